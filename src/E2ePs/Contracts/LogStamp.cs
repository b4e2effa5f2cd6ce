using System.Globalization;
using System.Text;

namespace E2ePs.Contracts;

/// <summary>
/// The RFC 3339 timestamp the API server puts before each log line with timestamps=true, read straight from
/// the line's UTF-8 bytes. Shared by the engine (resume bookkeeping) and the cmdlets (the byte path of -Raw
/// and -OutFile), so both split a line at the same place.
/// </summary>
/// <remarks>
/// The kubelet writes RFC3339NanoFixed stamps (nine fraction digits, kubernetes/kubernetes
/// pkg/kubelet/kuberuntime/logs/logs.go), so the fixed form is parsed digit by digit (no culture, no
/// format string: this runs for every line); anything else goes through <see cref="DateTimeOffset.TryParse(ReadOnlySpan{char}, IFormatProvider?, DateTimeStyles, out DateTimeOffset)"/>.
/// Fractions beyond the 100 ns of a tick are truncated, never rounded: a rounded stamp could move into
/// the next second, and resuming from that second would skip the rest of the line's own second.
/// </remarks>
public static class LogStamp
{
    // "2026-11-28T06:30:15.123456789+00:00" is 35 characters; anything much longer is no stamp.
    private const int MaxLength = 64;

    /// <summary>
    /// Where the text of <paramref name="line"/> starts: after its stamp and the space behind it, with the
    /// stamp in <paramref name="timestamp"/>; 0 (the whole line is text) when it has none.
    /// </summary>
    public static int TextStart(ReadOnlySpan<byte> line, out DateTimeOffset timestamp)
    {
        timestamp = default;
        var limit = Math.Min(line.Length, MaxLength + 1);
        var space = line[..limit].IndexOf((byte)' ');
        return space > 0 && TryParse(line[..space], out timestamp) ? space + 1 : 0;
    }

    /// <summary>
    /// <see cref="TextStart"/> when the stamp's value is not needed (output without timestamps): checks the
    /// shape of the kubelet's form (yyyy-MM-ddTHH:mm:ss, then a fraction and a zone) rather than parsing
    /// the value; a stamp of another form goes through <see cref="TextStart"/>.
    /// </summary>
    public static int SkipStamp(ReadOnlySpan<byte> line)
    {
        if (line.Length > 20 && line[4] == '-' && line[7] == '-' && (line[10] | 0x20) == 't' && line[13] == ':' && line[16] == ':'
            && line[19] is (byte)'.' or (byte)'Z' or (byte)'z' or (byte)'+' or (byte)'-')
        {
            var space = line[19..Math.Min(line.Length, MaxLength + 1)].IndexOf((byte)' ');
            if (space > 0)
            {
                return 19 + space + 1;
            }
        }

        return TextStart(line, out _);
    }

    /// <summary>Parses a stamp (without the space), the kubelet's fixed form fast, any RFC 3339 form otherwise.</summary>
    public static bool TryParse(ReadOnlySpan<byte> stamp, out DateTimeOffset timestamp)
    {
        if (TryParseFixed(stamp, out timestamp))
        {
            return true;
        }

        if (stamp.Length == 0 || stamp.Length > MaxLength)
        {
            return false;
        }

        Span<char> text = stackalloc char[MaxLength * 4];
        var length = Encoding.UTF8.GetChars(stamp, text);
        return TryParse(text[..length], out timestamp);
    }

    /// <summary><see cref="TryParse(ReadOnlySpan{byte}, out DateTimeOffset)"/> over text.</summary>
    public static bool TryParse(ReadOnlySpan<char> stamp, out DateTimeOffset timestamp)
    {
        if (stamp.Length <= MaxLength && stamp.Length > 0)
        {
            Span<byte> ascii = stackalloc byte[MaxLength];
            var allAscii = true;
            for (var i = 0; i < stamp.Length; i++)
            {
                allAscii &= stamp[i] < 0x80;
                ascii[i] = (byte)stamp[i];
            }

            if (allAscii && TryParseFixed(ascii[..stamp.Length], out timestamp))
            {
                return true;
            }
        }

        return DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    /// <summary>yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm), the form every API server sends.</summary>
    private static bool TryParseFixed(ReadOnlySpan<byte> s, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] | 0x20) != 't' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var at = 19;
        long ticks = 0;
        if (s[at] == '.')
        {
            at++;
            var digits = 0;
            while (at < s.Length && (uint)(s[at] - '0') <= 9)
            {
                if (digits < 7)
                {
                    ticks = (ticks * 10) + (s[at] - '0');
                }

                digits++;
                at++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (var i = digits; i < 7; i++)
            {
                ticks *= 10;
            }
        }

        var offset = TimeSpan.Zero;
        var zone = s[at..];
        if (zone.Length == 1 && (zone[0] | 0x20) == 'z')
        {
        }
        else if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == ':'
            && Digits(zone, 1, 2, out var offsetHours) && Digits(zone, 4, 2, out var offsetMinutes) && offsetHours < 24 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0) * (zone[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks) - offset;
        if (local.Ticks < 0)
        {
            return false;
        }

        timestamp = new DateTimeOffset(local, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = (uint)(s[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
