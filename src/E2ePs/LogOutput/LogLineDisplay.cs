using System.Management.Automation;
using E2ePs.Models;

namespace E2ePs.LogOutput;

/// <summary>
/// How a log line object is made to print as its text, byte for byte. PowerShell's formatter prints a
/// string out of band with <c>so.ToString()</c> as one raw line: no console or Out-String width, no
/// wrapping, no group, blank line or list view, and nothing stripped (a '\r', ANSI colours) — the way
/// <c>"text" &gt; file</c> writes it. It decides that on the first of an object's type names
/// (PowerShell's <c>DefaultScalarTypes.IsTypeInList</c>, PowerShell/PowerShell
/// src/System.Management.Automation/FormatAndOutput/common/FormatViewManager.cs, <c>GenerateOutOfBandData</c>;
/// <c>PSObjectHelper.PSObjectIsOfExactType</c> reads <c>typeNames[0]</c>). So a line is written with
/// "System.String" first and its own type names after it: shown, it is <see cref="E2eLogLine.ToString"/>;
/// filtered, it is an E2eLogLine with all its properties. A format view cannot do this: a custom control
/// drops every '\r' (ComplexWriter's SplitLines) and strips colours when redirected, and any other view
/// wraps or pads at the width.
/// </summary>
public static class LogLineDisplay
{
    /// <summary>The type name that makes PowerShell print an object as its text.</summary>
    public const string TextTypeName = "System.String";

    /// <summary><paramref name="line"/> wrapped so that PowerShell shows it as its text.</summary>
    public static PSObject AsText(E2eLogLine line)
    {
        var shown = new PSObject(line);
        shown.TypeNames.Insert(0, TextTypeName);
        return shown;
    }
}
