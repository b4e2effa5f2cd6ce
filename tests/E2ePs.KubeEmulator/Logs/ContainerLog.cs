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
            CountIntoFile(line.Length, _count);
        }
    }

    public DateTimeOffset Start { get; }

    /// <summary>
    /// Bytes a line costs in the kubelet's log file beyond its text: the CRI log format's prefix,
    /// "2026-11-28T06:16:23.123456789Z stdout F " (pkg/kubelet/kuberuntime/logs/logs.go parseCRILog).
    /// </summary>
    public const int CriLineOverhead = 40;

    private long _maxFileBytes;
    private readonly List<long> _fileStarts = [0];
    private long _bytesInFile;

    /// <summary>
    /// Rotates this log's file at <paramref name="maxFileBytes"/> (the kubelet's containerLogMaxSize; 0: never). A file
    /// is rotated once a line brings it to the size, so the next line begins a new file. Upstream's log manager checks
    /// every containerLogMonitorInterval (10 s), so a real file can grow past the size in between; here it never does.
    /// Call before the log is shared.
    /// </summary>
    public void RotateAt(long maxFileBytes)
    {
        _maxFileBytes = maxFileBytes;
        _fileStarts.Clear();
        _fileStarts.Add(0);
        _bytesInFile = 0;
        for (var i = 0; i < _count; i++)
        {
            CountIntoFile(_lines[i].Line.Length, i + 1);
        }
    }

    /// <summary>Adds a written line to the current file; <paramref name="nextIndex"/> is the index of the line after it.</summary>
    private void CountIntoFile(int lineLength, long nextIndex)
    {
        if (_maxFileBytes <= 0)
        {
            return;
        }

        lock (_fileStarts)
        {
            _bytesInFile += lineLength + CriLineOverhead;
            if (_bytesInFile >= _maxFileBytes)
            {
                _fileStarts.Add(nextIndex);
                _bytesInFile = 0;
            }
        }
    }

    /// <summary>
    /// The first line of the file that holds line <paramref name="index"/> (or would, for a line not yet written) and
    /// the first line of the next file (long.MaxValue while this one has not been rotated).
    /// </summary>
    public (long Start, long End) FileOf(long index)
    {
        var (start, end, _) = FileOfCore(index);
        return (start, end);
    }

    private (long Start, long End, long Number) FileOfCore(long index)
    {
        if (_maxFileBytes <= 0)
        {
            return (0, long.MaxValue, 0);
        }

        long explicitCount;
        long lastStart;
        long bytesInLast;
        int files;
        lock (_fileStarts)
        {
            explicitCount = _count;
            files = _fileStarts.Count;
            if (index < explicitCount || GeneratedLines == 0)
            {
                var i = _fileStarts.BinarySearch(Math.Min(index, explicitCount));
                i = i >= 0 ? i : ~i - 1;
                var end = i + 1 < files ? _fileStarts[i + 1] : long.MaxValue;
                return (_fileStarts[i], end, i);
            }

            lastStart = _fileStarts[^1];
            bytesInLast = _bytesInFile;
        }

        // Generated lines are all LineLength long: files after the explicit lines hold a fixed number of them.
        var size = LineLength + CriLineOverhead;
        var firstFill = (_maxFileBytes - bytesInLast + size - 1) / size;
        var perFile = (_maxFileBytes + size - 1) / size;
        var g = index - explicitCount;
        if (g < firstFill)
        {
            return (lastStart, explicitCount + firstFill, files - 1);
        }

        var k = (g - firstFill) / perFile;
        var start = explicitCount + firstFill + (k * perFile);
        return (start, start + perFile, files + k);
    }

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
