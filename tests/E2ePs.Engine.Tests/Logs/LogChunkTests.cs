using System.Text;
using E2ePs.Contracts;
using E2ePs.Engine.Logs;
using E2ePs.LogOutput;

namespace E2ePs.Engine.Tests.Logs;

/// <summary>
/// The byte path of Get-E2eLog -Raw and -OutFile: a response's lines read as they arrived, their resume
/// bookkeeping per chunk, and the bytes kubectl logs prints for them. The raw lines are shaped as the API
/// server sends them with timestamps=true: "&lt;RFC3339NanoFixed stamp&gt; &lt;text&gt;\n"
/// (kubernetes/kubernetes pkg/kubelet/kuberuntime/logs/logs.go).
/// </summary>
public sealed class LogChunkTests
{
    private const string A = "2026-11-28T06:16:23.100000000Z";
    private const string B = "2026-11-28T06:16:23.200000000Z";
    private const string C = "2026-11-28T06:16:24.000000000Z";

    /// <summary>A stream that hands out at most <paramref name="step"/> bytes a read, async or blocking.</summary>
    private sealed class Steps(byte[] bytes, int step) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(step, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], cancellationToken);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 7)]
    [InlineData(true, 1)]
    [InlineData(true, 4096)]
    public async Task ReadLinesAsync_hands_out_whole_lines_as_they_arrive_and_an_unterminated_rest_last(bool blocking, int step)
    {
        var text = "one\ntwo ✓ 日本\r\n\nlast without newline";
        var reader = new LogLineReader(new Steps(Encoding.UTF8.GetBytes(text), step), blocking);
        var read = new List<byte>();
        var pieces = 0;
        while (true)
        {
            var lines = await reader.ReadLinesAsync(CancellationToken.None);
            if (lines.IsEmpty)
            {
                break;
            }

            pieces++;
            Assert.True(lines.Span[^1] == '\n' || reader.LastLineUnterminated, "a piece ends at a line's end");
            read.AddRange(lines.ToArray());
        }

        Assert.Equal(text, Encoding.UTF8.GetString(read.ToArray()));
        Assert.True(reader.LastLineUnterminated);
        Assert.True(pieces >= 2);
    }

    public static TheoryData<string, string, bool, string> Formats => new()
    {
        { $"{A} a\n{B} b\n", "", false, "a\nb\n" },
        { $"{A} a\n{B} last without newline", "", false, "a\nlast without newline" },
        { $"{A} a\n{B}  two spaces\n", "[pod/p/c] ", false, "[pod/p/c] a\n[pod/p/c]  two spaces\n" },
        { $"{A} crlf\r\n{A} ünï 日本\n", "", false, "crlf\r\nünï 日本\n" },
        { $"{A} a\n", "[pod/p/c] ", true, "[pod/p/c] 2026-11-28T06:16:23.1000000Z a\n" },
        { "2026-11-28T08:16:24.5+02:00 offset\n", "", true, "2026-11-28T06:16:24.5000000Z offset\n" },
        { "no stamp here\n", "", true, "no stamp here\n" },
        { "\n", "", false, "\n" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_chunk_is_printed_as_kubectl_prints_its_lines(string raw, string prefix, bool timestamps, string expected)
    {
        var data = Encoding.UTF8.GetBytes(raw);
        using var text = new LogChunkText();
        var chunk = new LogChunk { Pod = "p", Container = "c", Data = data, Lines = raw.Count(c => c == '\n') + (raw.EndsWith('\n') ? 0 : 1) };

        var bytes = text.Format(chunk, prefix, timestamps);

        Assert.Equal(expected, Encoding.UTF8.GetString(bytes.Span));
    }

    [Theory]
    [InlineData("2026-11-28T06:16:23.123456700Z")]
    [InlineData("2026-11-28T06:16:23Z")]
    [InlineData("2026-11-28T08:16:23.1234567+02:00")]
    [InlineData("2026-11-28T06:16:23.5-00:30")]
    [InlineData("2026-02-29T06:16:23Z")]
    [InlineData("2026-11-28 06:16:23Z")]
    [InlineData("not a stamp")]
    public void The_fast_stamp_parser_agrees_with_the_framework(string stamp)
    {
        var expected = DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed);

        var ok = LogStamp.TryParse(Encoding.UTF8.GetBytes(stamp), out var timestamp);

        Assert.Equal(expected, ok);
        if (ok)
        {
            // (Beyond the tick the framework rounds and the kubelet's nanoseconds are truncated: LogResumePointTests.)
            Assert.Equal(parsed.UtcTicks, timestamp.UtcTicks);
        }
    }

    /// <summary>Lines as (stamp, text); the same lines accepted one by one and as chunks of <paramref name="chunkLines"/>.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(100)]
    public void Accepting_a_chunk_at_once_keeps_the_same_resume_point_as_line_by_line(int chunkLines)
    {
        (string Stamp, string Text)[] lines = [(A, "1"), (A, "2"), (B, "3"), (B, "4"), (B, "5"), (C, "6"), (C, "6"), (C, "7")];
        var one = new LogResumePoint();
        var chunked = new LogResumePoint();
        one.Reopen();
        chunked.Reopen();
        for (var at = 0; at < lines.Length; at += chunkLines)
        {
            var part = lines.Skip(at).Take(chunkLines).ToList();
            foreach (var (stamp, text) in part)
            {
                Assert.True(one.Accept(DateTimeOffset.Parse(stamp, System.Globalization.CultureInfo.InvariantCulture), text));
            }

            var data = Encoding.UTF8.GetBytes(string.Concat(part.Select(l => $"{l.Stamp} {l.Text}\n")));
            Assert.Equal(part.Count, chunked.AcceptAll(data, 0, data.Length));
            Assert.Equal(one.LastTimestamp, chunked.LastTimestamp);
            Assert.Equal(one.LinesAtLast, chunked.LinesAtLast);
            Assert.Equal(one.Written, chunked.Written);
        }

        var last = DateTimeOffset.Parse(C, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var text in new[] { "6", "7", "5", "8" })
        {
            Assert.Equal(one.IsAfterWritten(last, text), chunked.IsAfterWritten(last, text));
        }

        Assert.False(chunked.IsAfterWritten(last, "7"));
        Assert.True(chunked.IsAfterWritten(last, "8"));
    }

    [Fact]
    public void A_reopened_connection_skips_the_replayed_lines_of_a_chunk_and_keeps_the_rest()
    {
        var resume = new LogResumePoint();
        resume.Reopen();
        var first = Encoding.UTF8.GetBytes($"{A} 1\n{B} 2\n{B} 3\n");
        resume.AcceptAll(first, 0, first.Length);

        // The server replays the whole second from sinceTime: 1, 2, 3 again, then 4.
        resume.Reopen();
        var replay = Encoding.UTF8.GetBytes($"{A} 1\n{B} 2\n{B} 3\n{B} 4\n{C} 5\n");
        var accepted = new List<string>();
        var at = 0;
        while (resume.Replaying && at < replay.Length)
        {
            var end = Array.IndexOf(replay, (byte)'\n', at);
            var line = replay.AsSpan(at, end - at);
            DateTimeOffset? stamp = LogStamp.TextStart(line, out var ts) > 0 ? ts : null;
            if (resume.Accept(stamp, replay, at, end - at))
            {
                accepted.Add(Encoding.UTF8.GetString(line));
            }

            at = end + 1;
        }

        resume.AcceptAll(replay, at, replay.Length - at);

        Assert.Equal([$"{B} 4"], accepted);
        Assert.Equal(5, resume.Written);
        Assert.Equal(1, resume.LinesAtLast);
        Assert.Equal(2, resume.NewThisConnection);
    }
}
