using E2ePs.Engine.Logs;

namespace E2ePs.Engine.Tests.Resume;

/// <summary>
/// Where a dropped log resumes, <see cref="LogResumePoint"/>, over logs as the kubelet sends them with
/// timestamps=true (RFC3339Nano stamps, kubernetes/kubernetes pkg/kubelet/kuberuntime/logs/logs.go), with
/// stern's tables (stern/stern stern/tail_test.go: TestConsumeStreamTail, TestResumeRequestShouldSkip,
/// TestRemoveSubsecond) as the model. A reopened stream is what the API server serves for sinceTime: every
/// line from the start of the last line's second (pkg/registry/core/pod/strategy.go truncates sinceTime to
/// RFC 3339 seconds; the kubelet drops only lines stamped before it).
/// </summary>
public sealed class SternResumeTableTests
{
    /// <summary>stern's log of TestConsumeStreamTail: two lines in each of two seconds, one nanosecond apart.</summary>
    private const string SternLog = """
        2023-02-13T21:20:30.000000001Z line 1
        2023-02-13T21:20:30.000000002Z line 2
        2023-02-13T21:20:31.000000001Z line 3
        2023-02-13T21:20:31.000000002Z line 4
        """;

    /// <summary>A burst of output in one second, two lines with the same text.</summary>
    private const string OneSecond = """
        2026-12-05T10:00:07.100200300Z collected 3 items
        2026-12-05T10:00:07.100200300Z tests/e2e/test_shop.py::test_health PASSED
        2026-12-05T10:00:07.400000000Z .
        2026-12-05T10:00:07.400000000Z .
        2026-12-05T10:00:07.999999999Z tests/e2e/test_shop.py::test_cart PASSED
        """;

    /// <summary>Lines across three seconds, one ending in a CR (kept, as kubectl keeps it), a stamp with an offset.</summary>
    private const string Seconds = "2026-12-05T10:00:07.400000000Z out 1\n2026-12-05T10:00:07.500000000Z err 1\n2026-12-05T10:00:08.000000000Z out 2\r\n2026-12-05T12:00:09.000000001+02:00 out 3";

    /// <summary>name, log → every cut point of one drop gives the log exactly once.</summary>
    public static TheoryData<string, string> Logs => new()
    {
        { "stern's log: nanosecond stamps .NET reads as one tick are told apart by their count", SternLog },
        { "one second of output, equal texts at one stamp", OneSecond },
        { "three seconds, a CR at the end of a line, an offset stamp", Seconds },
    };

    [Theory]
    [MemberData(nameof(Logs))]
    public void A_drop_after_any_line_gives_every_line_exactly_once(string name, string log)
    {
        var lines = Lines(log);
        for (var cut = 0; cut <= lines.Count; cut++)
        {
            var resume = new LogResumePoint();
            var written = new List<string>();
            Connection(resume, lines.Take(cut), written);
            Connection(resume, Replay(resume, lines), written);

            Assert.True(lines.Select(l => l.Message).SequenceEqual(written), $"{name}, cut after {cut} line(s): [{string.Join(" | ", written)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public void Drops_after_every_line_give_every_line_exactly_once(string name, string log)
    {
        var lines = Lines(log);
        var resume = new LogResumePoint();
        var written = new List<string>();
        Connection(resume, lines.Take(1), written);
        for (var delivered = 1; delivered < lines.Count; delivered++)
        {
            // Each reconnection gets its replay and one new line, then drops again.
            var replay = Replay(resume, lines).ToList();
            var replayed = replay.Count - (lines.Count - delivered);
            Connection(resume, replay.Take(replayed + 1), written);
        }

        Assert.True(lines.Select(l => l.Message).SequenceEqual(written), $"{name}: [{string.Join(" | ", written)}]");
    }

    /// <summary>stern's TestResumeRequestShouldSkip: lines written at the last stamp, then the stamps a replay brings → which are skipped.</summary>
    public static TheoryData<int, string[], bool[]> Skips => new()
    {
        { 1, ["t1", "t1"], [true, false] },
        { 3, ["t1", "t1", "t1", "t1"], [true, true, true, false] },
        { 3, ["t2", "t2"], [false, false] },
        // Not in stern's table: a stamp before the last one is a replayed line (stern compares whole seconds only).
        { 1, ["t0", "t1", "t1"], [true, true, false] },
    };

    [Theory]
    [MemberData(nameof(Skips))]
    public void Replayed_lines_at_the_last_stamp_are_skipped_as_many_times_as_they_were_written(int linesToSkip, string[] stamps, bool[] skipped)
    {
        var t = new Dictionary<string, DateTimeOffset>
        {
            ["t0"] = new(2023, 2, 13, 21, 20, 29, TimeSpan.Zero),
            ["t1"] = new(2023, 2, 13, 21, 20, 30, TimeSpan.Zero),
            ["t2"] = new(2023, 2, 13, 21, 20, 31, TimeSpan.Zero),
        };
        var resume = new LogResumePoint();
        resume.Reopen();
        for (var i = 0; i < linesToSkip; i++)
        {
            resume.Accept(t["t1"], $"written {i}");
        }

        Assert.Equal(new LogResumeRequest(t["t1"], t["t1"], linesToSkip), resume.Request);
        resume.Reopen();
        var actual = stamps.Select((s, i) => !resume.Accept(t[s], $"replayed {i}")).ToArray();

        Assert.Equal(skipped, actual);
    }

    /// <summary>stern's TestRemoveSubsecond, on parsed stamps: sinceTime is the stamp's whole second.</summary>
    [Theory]
    [InlineData("2023-02-14T05:36:39.902767599Z", "2023-02-14T05:36:39Z")]
    [InlineData("2023-02-14T05:36:39.1Z", "2023-02-14T05:36:39Z")]
    [InlineData("2023-02-14T05:36:39Z", "2023-02-14T05:36:39Z")]
    [InlineData("2023-02-14T06:36:39.999999999+01:00", "2023-02-14T05:36:39Z")]
    public void The_since_time_is_the_last_line_s_whole_second(string stamp, string since)
    {
        var resume = new LogResumePoint();
        resume.Reopen();
        var (timestamp, message) = LogLine.Parse($"{stamp} x");
        resume.Accept(timestamp, message);

        Assert.Equal(DateTimeOffset.Parse(since, System.Globalization.CultureInfo.InvariantCulture), resume.Request!.SinceTime);
    }

    private static List<(DateTimeOffset? Timestamp, string Message)> Lines(string log) =>
        log.Split('\n').Select(LogLine.Parse).ToList();

    /// <summary>What the server sends for the reopened stream's sinceTime: every line from the last line's whole second on.</summary>
    private static IEnumerable<(DateTimeOffset? Timestamp, string Message)> Replay(LogResumePoint resume, List<(DateTimeOffset? Timestamp, string Message)> lines) =>
        resume.Request is { } request ? lines.Where(l => l.Timestamp is not { } ts || ts >= request.SinceTime) : lines;

    private static void Connection(LogResumePoint resume, IEnumerable<(DateTimeOffset? Timestamp, string Message)> sent, List<string> written)
    {
        resume.Reopen();
        foreach (var (timestamp, message) in sent)
        {
            if (resume.Accept(timestamp, message))
            {
                written.Add(message);
            }
        }
    }
}
