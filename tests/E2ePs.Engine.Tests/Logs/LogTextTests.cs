using System.Globalization;
using E2ePs.LogOutput;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Logs;

/// <summary>
/// -Timestamps text: the stamp written digit by digit must be what the format string
/// "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'" (invariant culture, in UTC) writes, the form kubectl logs --timestamps
/// shows; the line is prefix, stamp, one space and the text.
/// </summary>
public sealed class LogTextTests
{
    public static TheoryData<string> Stamps() =>
    [
        "2026-11-28T06:16:23.1000000+00:00",
        "2026-01-02T03:04:05.0000000+00:00",
        "2026-12-31T23:59:59.9999999+00:00",
        "0999-07-08T09:10:11.0000001+00:00",
        // Not UTC: written in UTC (the day before).
        "2026-03-01T01:30:00.1234567+02:00",
    ];

    [Theory]
    [MemberData(nameof(Stamps))]
    public void Timestamp_is_what_the_invariant_format_string_writes_in_UTC(string stamp)
    {
        var timestamp = DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture);
        var line = new E2eLogLine { Timestamp = timestamp, Message = "text" };
        var expected = timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        Assert.Equal(expected, LogText.Timestamp(line));
        Assert.Equal($"{expected} text", LogText.Line(line, timestamps: true));
        line.Prefix = "[pod/p/c] ";
        Assert.Equal($"[pod/p/c] {expected} text", LogText.Line(line, timestamps: true));
    }

    [Fact]
    public void A_line_without_timestamp_is_its_text_with_or_without_timestamps()
    {
        var line = new E2eLogLine { Message = "no stamp\r", Prefix = "[pod/p/c] " };

        Assert.Equal("", LogText.Timestamp(line));
        Assert.Equal("[pod/p/c] no stamp\r", LogText.Line(line, timestamps: true));
        Assert.Equal("[pod/p/c] no stamp\r", LogText.Line(line, timestamps: false));
    }
}
