using System.Text;

namespace E2ePs.Engine.Logs;

/// <summary>Where a reopened log stream asks to start, and how many of the lines it replays to skip (stern's tail.go <c>ResumeRequest{Timestamp, LinesToSkip}</c>).</summary>
/// <param name="SinceTime">The sinceTime to send: the last line's whole second, the precision the API server passes to the kubelet.</param>
/// <param name="Timestamp">The full-precision timestamp of the last line written.</param>
/// <param name="LinesToSkip">Lines stamped exactly <paramref name="Timestamp"/> that were already written.</param>
public sealed record LogResumeRequest(DateTimeOffset SinceTime, DateTimeOffset Timestamp, int LinesToSkip);

/// <summary>
/// The resume decision of one container's log, kept pure so it can be tested with tables: which lines
/// were written, where a reopened stream starts, and which replayed lines to skip.
/// </summary>
/// <remarks>
/// The API server parses sinceTime as RFC 3339 (fractions accepted) but hands it to the kubelet
/// re-formatted with <c>time.RFC3339</c>, i.e. truncated to the whole second
/// (kubernetes/kubernetes pkg/registry/core/pod/strategy.go, LogLocation), and the kubelet drops only the
/// lines stamped before it (pkg/kubelet/kuberuntime/logs/logs.go, logWriter.write). So a reopened stream
/// replays everything from the start of the last line's second. A replayed line is recognised by its
/// full-precision timestamp: before the last one written, or among the first <c>LinesToSkip</c> lines
/// stamped exactly the last one. Once a replay delivers a new line, every later line of that
/// connection is new, whatever its timestamp (stdout and stderr lines may interleave out of order).
/// </remarks>
public sealed class LogResumePoint
{
    /// <summary>
    /// How many of the last lines stamped exactly <see cref="LastTimestamp"/> are remembered by their text
    /// (for <see cref="IsAfterWritten"/>), at least: whole chunks of lines are kept or dropped,
    /// so up to one chunk more. Bounded, so that memory stays flat in the size of a log: a log whose
    /// lines all carry one timestamp (the emulator's generated logs; a kubelet stamps each line with the
    /// nanosecond it read it) would otherwise keep every line. A probe compares lines near the end of what was
    /// written, so the most recent ones are the ones kept.
    /// </summary>
    public const int RememberedLinesAtLast = 16_384;

    // The remembered lines at the last timestamp: references to the bytes they arrived in (no copy, no
    // string, no hash per line; a probe, which is rare, scans them), oldest first.
    private readonly Queue<Segment> _atLast = new();
    private int _rememberedLines;
    private int _skipAtLast;
    private bool _replaying;

    /// <summary>Lines of <see cref="Data"/> from <see cref="Start"/> on; raw lines ("stamp text\n") or, <see cref="Stamped"/> false, one text.</summary>
    private readonly record struct Segment(byte[] Data, int Start, int Length, int Lines, bool Stamped);

    /// <summary>The full-precision timestamp of the last line written; null before the first.</summary>
    public DateTimeOffset? LastTimestamp { get; private set; }

    /// <summary>How many lines written were stamped exactly <see cref="LastTimestamp"/>.</summary>
    public int LinesAtLast { get; private set; }

    /// <summary>Lines written in all.</summary>
    public long Written { get; private set; }

    /// <summary>New lines the current connection delivered: any is progress.</summary>
    public long NewThisConnection { get; private set; }

    /// <summary>True while a reopened connection replays lines written before: each line must be checked with <see cref="Accept(DateTimeOffset?, string)"/>.</summary>
    public bool Replaying => _replaying;

    /// <summary>The request a reopened stream makes; null before the first line (the first request is repeated as it was).</summary>
    public LogResumeRequest? Request => LastTimestamp is { } last ? new LogResumeRequest(WholeSecond(last), last, LinesAtLast) : null;

    /// <summary>The start of the second of <paramref name="t"/>, as the API server truncates sinceTime.</summary>
    public static DateTimeOffset WholeSecond(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>A new connection starts: it replays from <see cref="Request"/>'s SinceTime, or (<paramref name="replays"/> false) starts exactly after the last line written.</summary>
    public void Reopen(bool replays = true)
    {
        _replaying = replays && LastTimestamp is not null;
        _skipAtLast = LinesAtLast;
        NewThisConnection = 0;
    }

    /// <summary>True when the line is new (and is now remembered as written); false when it was written before and is replayed.</summary>
    public bool Accept(DateTimeOffset? timestamp, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IsReplayed(timestamp))
        {
            return false;
        }

        var text = Encoding.UTF8.GetBytes(message);
        Remember(timestamp, new Segment(text, 0, text.Length, 1, Stamped: false));
        return true;
    }

    /// <summary>
    /// <see cref="Accept(DateTimeOffset?, string)"/> for one raw line ("stamp text", without its '\n') of
    /// <paramref name="data"/> at <paramref name="start"/>; the line's bytes are kept by reference, so
    /// <paramref name="data"/> must not change afterwards.
    /// </summary>
    public bool Accept(DateTimeOffset? timestamp, byte[] data, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (IsReplayed(timestamp))
        {
            return false;
        }

        Remember(timestamp, new Segment(data, start, length, 1, Stamped: true));
        return true;
    }

    /// <summary>
    /// Records that every line of <paramref name="data"/> from <paramref name="start"/> (raw lines, each
    /// "stamp text\n", the last one possibly without '\n') is new: nothing is replayed any more
    /// (<see cref="Replaying"/> is false). Only the last line's stamp is parsed; the lines before it that
    /// share its stamp are found by comparing the stamp's bytes. The bytes are kept by reference.
    /// </summary>
    /// <returns>How many lines there were.</returns>
    public int AcceptAll(byte[] data, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_replaying)
        {
            throw new InvalidOperationException("Lines of a replaying connection are accepted one by one.");
        }

        var lines = data.AsSpan(start, length);
        if (lines.IsEmpty)
        {
            return 0;
        }

        var count = lines.Count((byte)'\n') + (lines[^1] == (byte)'\n' ? 0 : 1);
        var body = lines[^1] == (byte)'\n' ? lines[..^1] : lines;
        var lastStart = body.LastIndexOf((byte)'\n') + 1;
        var last = body[lastStart..];
        var textStart = Contracts.LogStamp.TextStart(last, out var timestamp);
        if (textStart == 0)
        {
            // A last line without a stamp (never sent with timestamps=true): count line by line.
            foreach (var range in LineRanges(lines))
            {
                DateTimeOffset? stamp = Contracts.LogStamp.TextStart(lines[range], out var ts) > 0 ? ts : null;
                Remember(stamp, new Segment(data, start + range.Start.Value, range.End.Value - range.Start.Value, 1, Stamped: true));
            }

            return count;
        }

        // The run of lines at the end that share the last line's stamp, by the stamp's bytes.
        var stampBytes = last[..textStart];
        var runStart = lastStart;
        var runLines = 1;
        while (runStart > 0)
        {
            var previousStart = body[..(runStart - 1)].LastIndexOf((byte)'\n') + 1;
            if (!body[previousStart..].StartsWith(stampBytes))
            {
                break;
            }

            runStart = previousStart;
            runLines++;
        }

        Written += count;
        NewThisConnection += count;
        if (runStart > 0 || timestamp != LastTimestamp)
        {
            LastTimestamp = timestamp;
            LinesAtLast = 0;
            _atLast.Clear();
            _rememberedLines = 0;
        }

        LinesAtLast += runLines;
        Keep(new Segment(data, start + runStart, length - runStart, runLines, Stamped: true));
        return count;
    }

    /// <summary>
    /// Whether a line seen out of a stream's order (the first line of a tailLines probe) comes after
    /// every line written. A line stamped exactly the last timestamp is told by its text; two equal lines
    /// with an equal timestamp cannot be told apart by any client, and count as written.
    /// </summary>
    public bool IsAfterWritten(DateTimeOffset? timestamp, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return IsAfter(timestamp, Encoding.UTF8.GetBytes(message));
    }

    private bool IsAfter(DateTimeOffset? timestamp, ReadOnlySpan<byte> message)
    {
        if (LastTimestamp is not { } last)
        {
            return true;
        }

        if (timestamp is not { } ts)
        {
            return false;
        }

        return ts > last || (ts == last && !IsRemembered(message));
    }

    private bool IsReplayed(DateTimeOffset? timestamp)
    {
        if (_replaying && timestamp is { } ts && LastTimestamp is { } last)
        {
            if (ts < last)
            {
                return true;
            }

            if (ts == last && _skipAtLast > 0)
            {
                _skipAtLast--;
                return true;
            }
        }

        _replaying = false;
        return false;
    }

    private void Remember(DateTimeOffset? timestamp, Segment line)
    {
        Written++;
        NewThisConnection++;
        if (timestamp is not { } ts)
        {
            return;
        }

        if (ts != LastTimestamp)
        {
            LastTimestamp = ts;
            LinesAtLast = 0;
            _atLast.Clear();
            _rememberedLines = 0;
        }

        LinesAtLast++;
        Keep(line);
    }

    private void Keep(Segment segment)
    {
        _atLast.Enqueue(segment);
        _rememberedLines += segment.Lines;
        while (_atLast.Count > 1 && _rememberedLines - _atLast.Peek().Lines >= RememberedLinesAtLast)
        {
            _rememberedLines -= _atLast.Dequeue().Lines;
        }
    }

    private bool IsRemembered(ReadOnlySpan<byte> message)
    {
        // Only the most recent RememberedLinesAtLast lines count: a segment kept beyond them is skipped in part.
        var skip = Math.Max(0, _rememberedLines - RememberedLinesAtLast);
        foreach (var segment in _atLast)
        {
            var bytes = segment.Data.AsSpan(segment.Start, segment.Length);
            if (!segment.Stamped)
            {
                if (skip-- <= 0 && bytes.SequenceEqual(message))
                {
                    return true;
                }

                continue;
            }

            foreach (var range in LineRanges(bytes))
            {
                var line = bytes[range];
                if (skip-- <= 0 && line[Contracts.LogStamp.TextStart(line, out _)..].SequenceEqual(message))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The lines of <paramref name="lines"/> without their '\n'.</summary>
    private static List<Range> LineRanges(ReadOnlySpan<byte> lines)
    {
        var ranges = new List<Range>();
        var at = 0;
        while (at < lines.Length)
        {
            var end = lines[at..].IndexOf((byte)'\n');
            var stop = end < 0 ? lines.Length : at + end;
            ranges.Add(new Range(at, stop));
            at = stop + 1;
        }

        return ranges;
    }
}
