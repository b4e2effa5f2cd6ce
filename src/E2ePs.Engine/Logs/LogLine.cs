using System.Globalization;

namespace E2ePs.Engine.Logs;

/// <summary>Splits a line the API server sent with timestamps=true into its RFC 3339 timestamp and text.</summary>
public static class LogLine
{
    /// <summary>The timestamp and message of <paramref name="line"/>; a line without a timestamp keeps it all as message.</summary>
    public static (DateTimeOffset? Timestamp, string Message) Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && DateTimeOffset.TryParse(line.AsSpan(0, space), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp))
        {
            return (timestamp, line[(space + 1)..]);
        }

        return (null, line);
    }
}
