using System.Text;
using E2ePs.Engine.Logs;

namespace E2ePs.Engine.Tests.Logs;

/// <summary>A log line ends at '\n' only, as the kubelet reads the CRI log; every '\r' stays in the text, as kubectl prints it.</summary>
public sealed class LogLineReaderTests
{
    /// <summary>A stream that hands out one byte a read, so every line and character is split across reads.</summary>
    private sealed class Trickle(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }

    private static async Task<(List<string> Lines, bool Unterminated)> ReadAllAsync(string text)
    {
        var reader = new LogLineReader(new Trickle(Encoding.UTF8.GetBytes(text)));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(line);
        }

        return (lines, reader.LastLineUnterminated);
    }

    public static TheoryData<string, string[], bool> Cases => new()
    {
        { "progress 10%\rprogress 50%\rdone\n", ["progress 10%\rprogress 50%\rdone"], false },
        { "windows line\r\nnext\n", ["windows line\r", "next"], false },
        { "a\n\nb\n", ["a", "", "b"], false },
        { "ünïcödé ✓ 日本\n", ["ünïcödé ✓ 日本"], false },
        { "complete\nno newline at the end", ["complete", "no newline at the end"], true },
        { "", [], false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Lines_split_at_newline_only(string text, string[] expected, bool unterminated)
    {
        var (lines, lastUnterminated) = await ReadAllAsync(text);

        Assert.Equal(expected, lines);
        Assert.Equal(unterminated, lastUnterminated);
    }

    [Fact]
    public async Task A_line_longer_than_the_buffer_is_read_whole()
    {
        var longLine = new string('x', 300_000);
        var reader = new LogLineReader(new MemoryStream(Encoding.UTF8.GetBytes(longLine + "\nshort\n")));

        Assert.Equal(longLine, await reader.ReadLineAsync(CancellationToken.None));
        Assert.Equal("short", await reader.ReadLineAsync(CancellationToken.None));
        Assert.Null(await reader.ReadLineAsync(CancellationToken.None));
    }

    // Lines as the API server sends them with timestamps=true: the kubelet's RFC3339NanoFixed stamp, a space,
    // the text (pkg/kubelet/kuberuntime/logs/logs.go); and lines a stamp cannot be read from.
    public static TheoryData<string> EntryCases => new()
    {
        "2026-11-28T06:30:15.123456789Z collected 2 items",
        "2026-11-28T06:30:15.123456789Z ",
        "2026-11-28T06:30:15.123456789Z windows line\r",
        "2026-11-28T06:30:15.100000000+02:00 ünïcödé ✓ 日本 and spaces  ",
        "2026-11-28T06:30:15Z no fraction",
        "not-a-stamp text after it",
        "no space at all",
        "ünï-not-a-stamp and text",
        new string('x', 100) + " a very long first word",
    };

    [Theory]
    [MemberData(nameof(EntryCases))]
    public async Task ReadEntryAsync_gives_what_Parse_gives_for_the_line(string line)
    {
        var reader = new LogLineReader(new Trickle(Encoding.UTF8.GetBytes(line + "\n")));

        var entry = await reader.ReadEntryAsync(CancellationToken.None);

        Assert.Equal(LogLine.Parse(line), entry);
        Assert.Null(await reader.ReadEntryAsync(CancellationToken.None));
    }
}
