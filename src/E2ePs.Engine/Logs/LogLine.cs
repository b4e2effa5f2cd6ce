using System.Globalization;

namespace E2ePs.Engine.Logs;

/// <summary>Splits a line the API server sent with timestamps=true into its RFC 3339 timestamp and text.</summary>
public static class LogLine
{
    /// <summary>The timestamp and message of <paramref name="line"/>; a line without a timestamp keeps it all as message.</summary>
    /// <remarks>
    /// The kubelet writes RFC3339NanoFixed stamps (nine fraction digits, kubernetes/kubernetes
    /// pkg/kubelet/kuberuntime/logs/logs.go). Fractions beyond the 100 ns of a tick are truncated, never
    /// rounded: a rounded stamp could move into the next second, and resuming from that second would skip
    /// the rest of the line's own second.
    /// </remarks>
    public static (DateTimeOffset? Timestamp, string Message) Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && TryParseTimestamp(line.AsSpan(0, space), out var timestamp))
        {
            return (timestamp, line[(space + 1)..]);
        }

        return (null, line);
    }

    /// <summary>
    /// <see cref="Parse(string)"/> over the line's UTF-8 bytes, decoding only the text into a string: the
    /// stamp is ASCII and at most a few dozen bytes, parsed from a stack buffer.
    /// </summary>
    public static (DateTimeOffset? Timestamp, string Message) Parse(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        if (space > 0 && space <= MaxStampLength)
        {
            Span<char> stamp = stackalloc char[MaxStampLength];
            var length = System.Text.Encoding.UTF8.GetChars(line[..space], stamp);
            if (TryParseTimestamp(stamp[..length], out var timestamp))
            {
                return (timestamp, System.Text.Encoding.UTF8.GetString(line[(space + 1)..]));
            }
        }

        return (null, System.Text.Encoding.UTF8.GetString(line));
    }

    // "2026-11-28T06:30:15.123456789+00:00" is 35 characters; anything much longer is no stamp.
    private const int MaxStampLength = 64;

    private static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset timestamp)
    {
        var dot = text.IndexOf('.');
        if (dot == 19 && text.Length > 20)
        {
            var digits = 0;
            while (20 + digits < text.Length && char.IsAsciiDigit(text[20 + digits]))
            {
                digits++;
            }

            if (digits > 0
                && DateTime.TryParseExact(text[..19], "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var whole)
                && TryParseOffset(text[(20 + digits)..], out var offset))
            {
                long ticks = 0;
                for (var i = 0; i < 7; i++)
                {
                    ticks = (ticks * 10) + (i < digits ? text[20 + i] - '0' : 0);
                }

                timestamp = new DateTimeOffset(whole.AddTicks(ticks), TimeSpan.Zero) - offset;
                return true;
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    private static bool TryParseOffset(ReadOnlySpan<char> text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (text is "Z" or "z")
        {
            return true;
        }

        if (text.Length == 6 && text[0] is '+' or '-' && text[3] == ':'
            && int.TryParse(text[1..3], NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            && int.TryParse(text[4..6], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes))
        {
            offset = new TimeSpan(hours, minutes, 0) * (text[0] == '-' ? -1 : 1);
            return true;
        }

        return false;
    }
}
