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
    /// (for <see cref="IsAfterWritten"/>). Bounded, so that memory stays flat in the size of a log: a log whose
    /// lines all carry one timestamp (the emulator's generated logs; a kubelet stamps each line with the
    /// nanosecond it read it) would otherwise keep every line. A probe compares lines near the end of what was
    /// written, so the most recent ones are the ones kept.
    /// </summary>
    public const int RememberedLinesAtLast = 16_384;

    private readonly Dictionary<string, int> _messagesAtLast = new(StringComparer.Ordinal);
    private readonly Queue<string> _messageOrder = new();
    private int _skipAtLast;
    private bool _replaying;

    /// <summary>The full-precision timestamp of the last line written; null before the first.</summary>
    public DateTimeOffset? LastTimestamp { get; private set; }

    /// <summary>How many lines written were stamped exactly <see cref="LastTimestamp"/>.</summary>
    public int LinesAtLast { get; private set; }

    /// <summary>Lines written in all.</summary>
    public long Written { get; private set; }

    /// <summary>New lines the current connection delivered: any is progress.</summary>
    public long NewThisConnection { get; private set; }

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
        if (_replaying && timestamp is { } ts && LastTimestamp is { } last)
        {
            if (ts < last)
            {
                return false;
            }

            if (ts == last && _skipAtLast > 0)
            {
                _skipAtLast--;
                return false;
            }
        }

        _replaying = false;
        Remember(timestamp, message);
        return true;
    }

    /// <summary>
    /// Whether a line seen out of a stream's order (the first line of a tailLines probe) comes after
    /// every line written. A line stamped exactly the last timestamp is told by its text; two equal lines
    /// with an equal timestamp cannot be told apart by any client, and count as written.
    /// </summary>
    public bool IsAfterWritten(DateTimeOffset? timestamp, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (LastTimestamp is not { } last)
        {
            return true;
        }

        if (timestamp is not { } ts)
        {
            return false;
        }

        return ts > last || (ts == last && !_messagesAtLast.ContainsKey(message));
    }

    private void Remember(DateTimeOffset? timestamp, string message)
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
            _messagesAtLast.Clear();
            _messageOrder.Clear();
        }

        LinesAtLast++;
        _messagesAtLast[message] = _messagesAtLast.GetValueOrDefault(message) + 1;
        _messageOrder.Enqueue(message);
        if (_messageOrder.Count > RememberedLinesAtLast)
        {
            var oldest = _messageOrder.Dequeue();
            if (--_messagesAtLast[oldest] == 0)
            {
                _messagesAtLast.Remove(oldest);
            }
        }
    }
}
