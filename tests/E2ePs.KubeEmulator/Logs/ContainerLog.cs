using System.Globalization;
using System.Text;

namespace E2ePs.KubeEmulator.Logs;

/// <summary>
/// The log of one container run, as a timeline fixed when the container starts: explicit lines at given offsets,
/// then generated lines spread evenly over a duration. Nothing is stored per generated line: line i is computed,
/// so gigabytes of log cost no memory and can be written at memory speed.
/// A real container's log (<see cref="Live"/>) has no generated lines: each line is appended with the time it
/// arrived. Readers on other threads see a prefix of the lines: an appended line is published (count) only
/// after it is stored, and a grown array holds every published line, so reads need no lock.
/// </summary>
internal sealed class ContainerLog
{
    private const int IndexDigits = 10;
    private static readonly byte[] Prefix = "line "u8.ToArray();
    private readonly Lock _appendLock = new();
    private (TimeSpan Offset, byte[] Line)[] _lines;
    private int _count;
    private readonly byte[] _template;
    private long _endTicks = long.MaxValue;

    public ContainerLog(DateTimeOffset start, IEnumerable<(TimeSpan Offset, string Text)> lines, long generatedLines, int lineLength, TimeSpan generatedStart, TimeSpan generatedDuration)
    {
        Start = start;
        _lines = lines.Select(l => (l.Offset, Encoding.UTF8.GetBytes(l.Text + "\n"))).ToArray();
        _count = _lines.Length;
        GeneratedLines = generatedLines;
        LineLength = Math.Max(Prefix.Length + IndexDigits + 2, lineLength);
        GeneratedStart = generatedStart;
        GeneratedDuration = generatedDuration;
        _template = new byte[LineLength];
        Prefix.CopyTo(_template, 0);
        const string filler = " the quick brown fox jumps over the lazy dog 0123456789";
        for (var i = Prefix.Length + IndexDigits; i < LineLength - 1; i++)
        {
            _template[i] = (byte)filler[(i - Prefix.Length - IndexDigits) % filler.Length];
        }

        _template[LineLength - 1] = (byte)'\n';
    }

    /// <summary>An empty log that a running process appends to.</summary>
    public static ContainerLog Live(DateTimeOffset start) => new(start, [], 0, 0, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>
    /// Appends one line (with its newline, if it had one) stamped with the time it arrived; the stamp never goes
    /// back in time, so the timeline stays sorted for sinceTime and follow.
    /// </summary>
    public void Append(ReadOnlySpan<byte> line)
    {
        lock (_appendLock)
        {
            var offset = DateTimeOffset.UtcNow - Start;
            if (_count > 0 && offset < _lines[_count - 1].Offset)
            {
                offset = _lines[_count - 1].Offset;
            }

            if (_count == _lines.Length)
            {
                var grown = new (TimeSpan, byte[])[Math.Max(16, _lines.Length * 2)];
                Array.Copy(_lines, grown, _count);
                Volatile.Write(ref _lines, grown);
            }

            _lines[_count] = (offset, line.ToArray());
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public DateTimeOffset Start { get; }

    public long GeneratedLines { get; }

    public int LineLength { get; }

    public TimeSpan GeneratedStart { get; }

    public TimeSpan GeneratedDuration { get; }

    private int Count => Volatile.Read(ref _count);

    private (TimeSpan Offset, byte[] Line) LineAt(long index) => Volatile.Read(ref _lines)[index];

    public long TotalLines => Count + GeneratedLines;

    /// <summary>When all lines have been written (the container may run longer).</summary>
    public TimeSpan WritingEnds => GeneratedLines > 0 ? GeneratedStart + GeneratedDuration : Count > 0 ? LineAt(Count - 1).Offset : TimeSpan.Zero;

    /// <summary>Set when the container terminated: lines due later were never written.</summary>
    public bool Finished { get; private set; }

    /// <summary>The container terminated and waits to be restarted: this run is the "previous" one already.</summary>
    public bool RestartPending { get; set; }

    public void Finish(DateTimeOffset at)
    {
        Interlocked.Exchange(ref _endTicks, at.UtcTicks);
        Finished = true;
    }

    public DateTimeOffset TimeOf(long index)
    {
        var count = Count;
        if (index < count)
        {
            return Start + LineAt(index).Offset;
        }

        var j = index - count;
        if (GeneratedDuration <= TimeSpan.Zero || GeneratedLines == 0)
        {
            return Start + GeneratedStart;
        }

        return Start + GeneratedStart + TimeSpan.FromTicks((long)(GeneratedDuration.Ticks * ((double)(j + 1) / GeneratedLines)));
    }

    /// <summary>Number of lines written by <paramref name="now"/> (and before termination).</summary>
    public long AvailableAt(DateTimeOffset now)
    {
        var cutoff = new DateTimeOffset(Math.Min(now.UtcTicks, Interlocked.Read(ref _endTicks)), TimeSpan.Zero);
        return FirstAfter(cutoff);
    }

    /// <summary>Index of the first line stamped after <paramref name="t"/>.</summary>
    public long FirstAfter(DateTimeOffset t) => Search(i => TimeOf(i) > t);

    /// <summary>Index of the first line stamped at or after <paramref name="t"/>.</summary>
    public long FirstAtOrAfter(DateTimeOffset t) => Search(i => TimeOf(i) >= t);

    private long Search(Func<long, bool> isAfter)
    {
        long lo = 0, hi = TotalLines;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (isAfter(mid))
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    public int LengthOf(long index) => index < Count ? LineAt(index).Line.Length : LineLength;

    /// <summary>Copies line <paramref name="index"/> (with its newline) into <paramref name="destination"/>, which must be large enough.</summary>
    public int CopyLine(long index, Span<byte> destination)
    {
        var count = Count;
        if (index < count)
        {
            var line = LineAt(index).Line;
            line.CopyTo(destination);
            return line.Length;
        }

        _template.CopyTo(destination);
        var n = index - count + 1;
        for (var d = Prefix.Length + IndexDigits - 1; d >= Prefix.Length; d--)
        {
            destination[d] = (byte)('0' + (n % 10));
            n /= 10;
        }

        return LineLength;
    }

    /// <summary>Kubelet's fixed-width RFC 3339 nanosecond stamp plus a space: "2026-11-28T06:16:23.123456789Z ".</summary>
    public static int WriteTimestamp(DateTimeOffset t, Span<byte> destination)
    {
        t.UtcDateTime.TryFormat(destination, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
        "00Z "u8.CopyTo(destination[written..]);
        return written + 4;
    }

    public const int TimestampLength = 31;
}
