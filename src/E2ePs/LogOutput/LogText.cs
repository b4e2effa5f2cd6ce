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
    /// <summary>Characters of a stamp as -Timestamps writes it: "yyyy-MM-ddTHH:mm:ss.fffffffZ".</summary>
    public const int TimestampLength = 28;

    /// <summary>The line's timestamp as -Timestamps writes it; empty when the line has none.</summary>
    public static string Timestamp(E2eLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Timestamp is { } timestamp ? string.Create(TimestampLength, timestamp, static (span, t) => FormatTimestamp(t, span)) : "";
    }

    /// <summary>
    /// Writes <paramref name="timestamp"/> as RFC 3339 in UTC with seven decimals into the first
    /// <see cref="TimestampLength"/> characters of <paramref name="destination"/>: the digits placed by hand, as
    /// "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'" under the invariant culture would write them, without parsing that
    /// format string for every line (-Timestamps writes one stamp a line).
    /// </summary>
    public static void FormatTimestamp(DateTimeOffset timestamp, Span<char> destination)
    {
        var utc = timestamp.UtcDateTime;
        Digits(destination[..4], utc.Year);
        destination[4] = '-';
        Digits(destination.Slice(5, 2), utc.Month);
        destination[7] = '-';
        Digits(destination.Slice(8, 2), utc.Day);
        destination[10] = 'T';
        Digits(destination.Slice(11, 2), utc.Hour);
        destination[13] = ':';
        Digits(destination.Slice(14, 2), utc.Minute);
        destination[16] = ':';
        Digits(destination.Slice(17, 2), utc.Second);
        destination[19] = '.';
        Digits(destination.Slice(20, 7), (int)(utc.Ticks % TimeSpan.TicksPerSecond));
        destination[27] = 'Z';
    }

    // The last destination.Length decimal digits of value, zero-padded.
    private static void Digits(Span<char> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>The line without its '\n'.</summary>
    public static string Line(E2eLogLine line, bool timestamps)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!timestamps)
        {
            return line.ToString();
        }

        if (line.Timestamp is not { } timestamp)
        {
            return line.ToString();
        }

        // One string a line: prefix, stamp, ' ' and text written straight into it.
        return string.Create(line.Prefix.Length + TimestampLength + 1 + line.Message.Length, (line, timestamp), static (span, state) =>
        {
            var (l, t) = state;
            l.Prefix.CopyTo(span);
            FormatTimestamp(t, span[l.Prefix.Length..]);
            span[l.Prefix.Length + TimestampLength] = ' ';
            l.Message.CopyTo(span[(l.Prefix.Length + TimestampLength + 1)..]);
        });
    }

    /// <summary>Appends the line and its '\n' to <paramref name="text"/>.</summary>
    public static void Append(StringBuilder text, E2eLogLine line, bool timestamps)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(line);
        text.Append(line.Prefix);
        if (timestamps && line.Timestamp is not null)
        {
            Span<char> stamp = stackalloc char[TimestampLength];
            FormatTimestamp(line.Timestamp.Value, stamp);
            text.Append(stamp).Append(' ');
        }

        text.Append(line.Message).Append('\n');
    }
}
