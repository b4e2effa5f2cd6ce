using System.Text;
using E2ePs.Contracts;

namespace E2ePs.Engine.Logs;

/// <summary>Splits a line the API server sent with timestamps=true into its RFC 3339 timestamp and text (<see cref="LogStamp"/>).</summary>
public static class LogLine
{
    /// <summary>The timestamp and message of <paramref name="line"/>; a line without a timestamp keeps it all as message.</summary>
    public static (DateTimeOffset? Timestamp, string Message) Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && LogStamp.TryParse(line.AsSpan(0, space), out var timestamp))
        {
            return (timestamp, line[(space + 1)..]);
        }

        return (null, line);
    }

    /// <summary>
    /// <see cref="Parse(string)"/> over the line's UTF-8 bytes, decoding only the text into a string: the
    /// stamp is parsed from the bytes.
    /// </summary>
    public static (DateTimeOffset? Timestamp, string Message) Parse(ReadOnlySpan<byte> line)
    {
        var start = LogStamp.TextStart(line, out var timestamp);
        return (start > 0 ? timestamp : null, Encoding.UTF8.GetString(line[start..]));
    }
}
