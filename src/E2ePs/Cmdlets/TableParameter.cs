using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;

namespace E2ePs.Cmdlets;

/// <summary>
/// Turns a table a user passes (-Env, -SecretEnv, -BuildArg, -Label: @{...} or [ordered]@{...}) into
/// the typed name/value list the engine's requests carry, so no PowerShell table crosses the boundary.
/// </summary>
internal static class TableParameter
{
    /// <summary>
    /// The entries as text: keys and values converted with the invariant culture (a value PowerShell
    /// wrapped in a PSObject is unwrapped first, so 1.5 is "1.5" under any culture), a null value as "".
    /// A hashtable has no order of its own, so its entries are sorted by name and a manifest comes out
    /// the same every time; an ordered dictionary ([ordered]@{...}) keeps the user's order.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ToList(IDictionary? table)
    {
        if (table is null)
        {
            return [];
        }

        var entries = table.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, string>(Text(e.Key), Text(e.Value)));
        return table is IOrderedDictionary ? [.. entries] : [.. entries.OrderBy(e => e.Key, StringComparer.Ordinal)];
    }

    /// <summary>The entries by name, for values whose order does not matter (build arguments, labels).</summary>
    public static Dictionary<string, string> ToDictionary(IDictionary? table)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in ToList(table))
        {
            result[name] = value;
        }

        return result;
    }

    private static string Text(object? value) =>
        Convert.ToString(value is PSObject wrapped ? wrapped.BaseObject : value, CultureInfo.InvariantCulture) ?? "";
}
