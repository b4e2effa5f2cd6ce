using System.Globalization;
using System.Text;
using E2ePs.Models;

namespace E2ePs.LogOutput;

/// <summary>
/// A log line as text, the way kubectl logs prints it: the prefix of its container when several are read
/// (kubectl's --prefix), the timestamp when asked for (RFC 3339 in UTC, seven decimals), then the text
/// exactly as the container wrote it. Used by -Timestamps, -Raw and -OutFile.
/// </summary>
public static class LogText
{
    /// <summary>The line's timestamp as -Timestamps writes it; empty when the line has none.</summary>
    public static string Timestamp(E2eLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);

        // Invariant: under a culture such as fi-FI, ':' in a format string is its time separator ('.').
        return line.Timestamp is { } timestamp
            ? timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)
            : "";
    }

    /// <summary>The line without its '\n'.</summary>
    public static string Line(E2eLogLine line, bool timestamps)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!timestamps)
        {
            return line.ToString();
        }

        var time = Timestamp(line);
        return time.Length == 0 ? line.ToString() : string.Concat(line.Prefix, time, " ", line.Message);
    }

    /// <summary>Appends the line and its '\n' to <paramref name="text"/>.</summary>
    public static void Append(StringBuilder text, E2eLogLine line, bool timestamps)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(line);
        text.Append(line.Prefix);
        if (timestamps && line.Timestamp is not null)
        {
            text.Append(Timestamp(line)).Append(' ');
        }

        text.Append(line.Message).Append('\n');
    }
}
