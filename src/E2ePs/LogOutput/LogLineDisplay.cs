using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using E2ePs.Models;

namespace E2ePs.LogOutput;

/// <summary>
/// How a log line object is made to print as its text, byte for byte. PowerShell's formatter prints a
/// string out of band with <c>so.ToString()</c> as one raw line: no console or Out-String width, no
/// wrapping, no group, blank line or list view, and nothing stripped (a '\r', ANSI colours) — the way
/// <c>"text" &gt; file</c> writes it. It decides that on the first of an object's type names
/// (PowerShell's <c>DefaultScalarTypes.IsTypeInList</c>, PowerShell/PowerShell
/// src/System.Management.Automation/FormatAndOutput/common/FormatViewManager.cs, <c>GenerateOutOfBandData</c>;
/// <c>PSObjectHelper.PSObjectIsOfExactType</c> reads <c>typeNames[0]</c>). So an E2eLogLine has
/// "System.String" first and its own type names after it: shown, it is <see cref="E2eLogLine.ToString"/>;
/// filtered, it is an E2eLogLine with all its properties. A format view cannot do this: a custom control
/// drops every '\r' (ComplexWriter's SplitLines) and strips colours when redirected, and any other view
/// wraps or pads at the width.
/// The type names come from <see cref="LogLineAdapter"/>, the type's adapter, registered in a runspace before
/// the first line is written there: the same for every line, so a line costs PowerShell no more than any
/// .NET object (not a PSObject with a copy of its type names each).
/// </summary>
public static class LogLineDisplay
{
    /// <summary>The type name that makes PowerShell print an object as its text.</summary>
    public const string TextTypeName = "System.String";

    // The runspaces whose type table has the adapter. A types file cannot name it: PowerShell resolves a
    // TypeAdapter's type when it loads the file, before the module's assembly is loaded ("Unable to find type").
    private static readonly ConditionalWeakTable<Runspace, object> s_registered = [];

    /// <summary>
    /// Makes sure the runspace that runs <paramref name="cmdlet"/> shows E2eLogLine objects as their text;
    /// false when it could not (a runspace without Update-TypeData): then each line needs <see cref="AsText"/>.
    /// </summary>
    public static bool Register(PSCmdlet cmdlet)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        var runspace = Runspace.DefaultRunspace;
        if (runspace is null)
        {
            return false;
        }

        if (s_registered.TryGetValue(runspace, out _))
        {
            return true;
        }

        try
        {
            // -Force: a module imported again (a second copy) replaces the adapter of the copy before it.
            cmdlet.InvokeCommand.InvokeScript(
                "param($type, $adapter) Microsoft.PowerShell.Utility\\Update-TypeData -TypeName $type -TypeAdapter $adapter -Force",
                useNewScope: true,
                PipelineResultTypes.None,
                input: null,
                typeof(E2eLogLine).FullName,
                typeof(LogLineAdapter));
        }
        catch (RuntimeException error) when (error is not PipelineStoppedException)
        {
            cmdlet.WriteVerbose($"Log lines are wrapped one by one to print as text: the type adapter could not be registered ({error.Message}).");
            return false;
        }

        s_registered.AddOrUpdate(runspace, s_registered);
        return true;
    }

    /// <summary>
    /// <paramref name="line"/> wrapped so that PowerShell shows it as its text, where the adapter is not
    /// registered: the type names copied and "System.String" put first, for this one object.
    /// </summary>
    public static PSObject AsText(E2eLogLine line)
    {
        var shown = new PSObject(line);
        shown.TypeNames.Insert(0, TextTypeName);
        return shown;
    }
}
