using System.Collections.ObjectModel;
using System.Management.Automation;
using E2ePs.Models;

namespace E2ePs.LogOutput;

/// <summary>
/// PowerShell's view of an <see cref="E2eLogLine"/>: its properties, and the type names that make PowerShell
/// print it as its text (see <see cref="LogLineDisplay"/>). A PSPropertyAdapter's type names are those of
/// every object of the type (PowerShell's ThirdPartyAdapter, PowerShell/PowerShell
/// src/System.Management.Automation/engine/ThirdPartyAdapter.cs), so a line is written as it is: no PSObject
/// made for it, no type name inserted into a copy of its type's names (PSObject.TypeNames copies them into a
/// ConditionalWeakTable keyed by the line, engine/MshObject.cs), which was the largest per-line cost of
/// Get-E2eLog after PowerShell's own pipeline.
/// </summary>
public sealed class LogLineAdapter : PSPropertyAdapter
{
    private static readonly Collection<string> s_typeNames = [LogLineDisplay.TextTypeName, typeof(E2eLogLine).FullName!, typeof(object).FullName!];

    // One entry a public property of E2eLogLine, in declaration order (what Get-Member and Select-Object * list).
    private static readonly Property[] s_properties =
    [
        new(nameof(E2eLogLine.Pod), typeof(string), l => l.Pod, (l, v) => l.Pod = (string)v!),
        new(nameof(E2eLogLine.Container), typeof(string), l => l.Container, (l, v) => l.Container = (string)v!),
        new(nameof(E2eLogLine.InitContainer), typeof(bool), l => l.InitContainer, (l, v) => l.InitContainer = (bool)v!),
        new(nameof(E2eLogLine.Timestamp), typeof(DateTimeOffset?), l => l.Timestamp, (l, v) => l.Timestamp = (DateTimeOffset?)v),
        new(nameof(E2eLogLine.Message), typeof(string), l => l.Message, (l, v) => l.Message = (string)v!),
        new(nameof(E2eLogLine.EarlierLinesRotated), typeof(bool), l => l.EarlierLinesRotated, (l, v) => l.EarlierLinesRotated = (bool)v!),
        new(nameof(E2eLogLine.Source), typeof(string), l => l.Source, null),
        new(nameof(E2eLogLine.Prefix), typeof(string), l => l.Prefix, (l, v) => l.Prefix = (string)v!),
    ];

    /// <inheritdoc />
    public override Collection<string> GetTypeNameHierarchy(object baseObject) => s_typeNames;

    /// <inheritdoc />
    public override Collection<PSAdaptedProperty> GetProperties(object baseObject) =>
        [.. s_properties.Select(p => new PSAdaptedProperty(p.Name, p))];

    /// <inheritdoc />
    public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName)
    {
        foreach (var property in s_properties)
        {
            // PowerShell's property names are case-insensitive.
            if (string.Equals(property.Name, propertyName, StringComparison.OrdinalIgnoreCase))
            {
                return new PSAdaptedProperty(property.Name, property);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override bool IsGettable(PSAdaptedProperty adaptedProperty) => true;

    /// <inheritdoc />
    public override bool IsSettable(PSAdaptedProperty adaptedProperty) => Of(adaptedProperty).Set is not null;

    /// <inheritdoc />
    public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty) =>
        Of(adaptedProperty).Get(Line(adaptedProperty));

    /// <inheritdoc />
    public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object value)
    {
        var property = Of(adaptedProperty);
        if (property.Set is null)
        {
            throw new InvalidOperationException($"The property {property.Name} of a log line is computed and cannot be set.");
        }

        // PowerShell's own conversion, as for a .NET property: "true", 1 or a PSObject become the property's type.
        property.Set(Line(adaptedProperty), value is null ? null : LanguagePrimitives.ConvertTo(value, property.Type, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty) =>
        Of(adaptedProperty).Type is var type && Nullable.GetUnderlyingType(type) is { } value ? $"System.Nullable[{value.FullName}]" : type.FullName!;

    private static Property Of(PSAdaptedProperty adaptedProperty) => (Property)adaptedProperty.Tag;

    private static E2eLogLine Line(PSAdaptedProperty adaptedProperty) => (E2eLogLine)adaptedProperty.BaseObject;

    private sealed record Property(string Name, Type Type, Func<E2eLogLine, object?> Get, Action<E2eLogLine, object?>? Set);
}
