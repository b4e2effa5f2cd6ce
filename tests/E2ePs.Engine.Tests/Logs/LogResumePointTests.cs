using E2ePs.Engine.Logs;

namespace E2ePs.Engine.Tests.Logs;

/// <summary>Where a dropped log resumes and which replayed lines are skipped, as tables of connections.</summary>
public sealed class LogResumePointTests
{
    private static readonly DateTimeOffset s_second = new(2026, 11, 28, 6, 16, 23, TimeSpan.Zero);

    private static DateTimeOffset At(int ms, int ticks = 0) => s_second.AddMilliseconds(ms).AddTicks(ticks);

    /// <summary>Each connection is the lines the server sent on it; the result is every line accepted, in order.</summary>
    private static List<string> Run(params (DateTimeOffset? Ts, string Text)[][] connections)
    {
        var resume = new LogResumePoint();
        var written = new List<string>();
        foreach (var connection in connections)
        {
            resume.Reopen();
            foreach (var (ts, text) in connection)
            {
                if (resume.Accept(ts, text))
                {
                    written.Add(text);
                }
            }
        }

        return written;
    }

    public static TheoryData<string, (DateTimeOffset?, string)[][], string[]> Cases => new()
    {
        {
            "no drop",
            [[(At(0), "a"), (At(1), "b"), (At(2), "c")]],
            ["a", "b", "c"]
        },
        {
            "cut after b, the server replays the whole second",
            [[(At(0), "a"), (At(1), "b")], [(At(0), "a"), (At(1), "b"), (At(2), "c")]],
            ["a", "b", "c"]
        },
        {
            "all lines share one timestamp: position among them decides",
            [[(At(5), "1"), (At(5), "2"), (At(5), "3")], [(At(5), "1"), (At(5), "2"), (At(5), "3"), (At(5), "4"), (At(5), "5")]],
            ["1", "2", "3", "4", "5"]
        },
        {
            "the same text twice at one timestamp is still two lines",
            [[(At(5), "x")], [(At(5), "x"), (At(5), "x")]],
            ["x", "x"]
        },
        {
            "a server that honours the full precision replays from the last line only",
            [[(At(0), "a"), (At(1), "b")], [(At(1), "b"), (At(2), "c")]],
            ["a", "b", "c"]
        },
        {
            "a replay cut before any new line, then one that passes",
            [[(At(0), "a"), (At(1), "b")], [(At(0), "a")], [(At(0), "a"), (At(1), "b"), (At(2), "c")]],
            ["a", "b", "c"]
        },
        {
            "after the first new line, an older stamp (stderr interleaved) is new too",
            [[(At(0), "a"), (At(3), "b")], [(At(0), "a"), (At(3), "b"), (At(4), "c"), (At(2), "d")]],
            ["a", "b", "c", "d"]
        },
        {
            "sub-millisecond stamps are told apart",
            [[(At(1, 1), "a"), (At(1, 2), "b")], [(At(1, 1), "a"), (At(1, 2), "b"), (At(1, 3), "c")]],
            ["a", "b", "c"]
        },
        {
            "a line without a timestamp cannot be recognised and is written",
            [[(null, "x"), (At(0), "a")], [(At(0), "a"), (At(1), "b")]],
            ["x", "a", "b"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replayed_lines_are_skipped_and_new_ones_written(string why, (DateTimeOffset?, string)[][] connections, string[] expected)
    {
        Assert.True(expected.SequenceEqual(Run(connections)), why);
    }

    [Fact]
    public void The_resume_request_asks_for_the_whole_second_and_counts_the_lines_at_the_last_timestamp()
    {
        var resume = new LogResumePoint();
        Assert.Null(resume.Request);
        resume.Reopen();
        resume.Accept(At(100), "a");
        resume.Accept(At(999, 9999), "b");
        resume.Accept(At(999, 9999), "c");

        var request = resume.Request!;

        Assert.Equal(s_second, request.SinceTime);
        Assert.Equal(At(999, 9999), request.Timestamp);
        Assert.Equal(2, request.LinesToSkip);
        Assert.Equal(3, resume.Written);
    }

    [Fact]
    public void New_lines_of_a_connection_are_counted_as_its_progress()
    {
        var resume = new LogResumePoint();
        resume.Reopen();
        resume.Accept(At(0), "a");
        resume.Accept(At(1), "b");
        resume.Reopen();
        resume.Accept(At(0), "a");
        Assert.Equal(0, resume.NewThisConnection);
        resume.Accept(At(1), "b");
        resume.Accept(At(2), "c");
        Assert.Equal(1, resume.NewThisConnection);
    }

    public static TheoryData<DateTimeOffset?, string, bool> Probes => new()
    {
        { At(3), "z", true },
        { At(1), "z", false },
        { At(2), "b", false },
        { At(2), "c", false },
        { At(2), "d", true },
        { null, "z", false },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public void A_probed_line_is_after_the_written_ones_by_timestamp_then_by_text(DateTimeOffset? timestamp, string text, bool after)
    {
        var resume = new LogResumePoint();
        resume.Reopen();
        resume.Accept(At(1), "a");
        resume.Accept(At(2), "b");
        resume.Accept(At(2), "c");

        Assert.Equal(after, resume.IsAfterWritten(timestamp, text));
    }

    [Fact]
    public void Lines_of_one_timestamp_are_remembered_by_text_only_for_the_most_recent_ones_and_counted_all()
    {
        // The emulator stamps every generated line of a log with one timestamp: a 100 MB log would keep a
        // million texts. The count (what a reopened stream skips) stays exact; the texts are bounded.
        var resume = new LogResumePoint();
        resume.Reopen();
        var total = LogResumePoint.RememberedLinesAtLast + 10;
        for (var i = 0; i < total; i++)
        {
            resume.Accept(At(1), $"line {i}");
        }

        resume.Accept(At(1), "line 11");

        Assert.Equal(total + 1, resume.LinesAtLast);
        Assert.Equal(total + 1, resume.Request!.LinesToSkip);
        Assert.False(resume.IsAfterWritten(At(1), $"line {total - 1}"));
        Assert.False(resume.IsAfterWritten(At(1), "line 11"), "written twice, the second time among the most recent");
        Assert.True(resume.IsAfterWritten(At(1), "line 10"), "the oldest texts are forgotten");
        Assert.True(resume.IsAfterWritten(At(1), "line 0"), "the oldest texts are forgotten");
        Assert.True(resume.IsAfterWritten(At(1), "never written"));
    }

    [Theory]
    [InlineData("2026-11-28T06:16:23.999999999Z", 23, 9_999_999)]
    [InlineData("2026-11-28T06:16:23.000000100Z", 23, 1)]
    [InlineData("2026-11-28T06:16:23.5Z", 23, 5_000_000)]
    [InlineData("2026-11-28T08:16:23.123456789+02:00", 23, 1_234_567)]
    public void Kubelet_timestamps_are_truncated_to_the_tick_never_rounded_into_the_next_second(string stamp, int second, int ticks)
    {
        var (timestamp, message) = LogLine.Parse(stamp + " text with  spaces");

        Assert.Equal(new DateTimeOffset(2026, 11, 28, 6, 16, second, TimeSpan.Zero).AddTicks(ticks), timestamp);
        Assert.Equal("text with  spaces", message);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 6, 16, second, TimeSpan.Zero), LogResumePoint.WholeSecond(timestamp!.Value));
    }
}
