using System.Text;

namespace E2ePs.Engine.Logs;

/// <summary>
/// Reads a log response line by line, where a line ends at '\n' only: the kubelet reads the container's
/// log file with <c>ReadBytes('\n')</c> (kubernetes/kubernetes pkg/kubelet/kuberuntime/logs/logs.go) and
/// the CRI log format keeps any '\r' in the line's content. Like kubectl, which prints the bytes as they
/// come, every '\r' stays in the text, a final one before '\n' too. Bytes are decoded per line, so a
/// UTF-8 character is never split.
/// </summary>
public sealed class LogLineReader(Stream stream)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _ended;

    /// <summary>True when the last line returned had no '\n': the stream ended inside it.</summary>
    public bool LastLineUnterminated { get; private set; }

    /// <summary>The next line without its '\n'; null at the end of the stream. Throws what the stream throws (a dropped connection).</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var range = await ReadRangeAsync(cancellationToken);
        return range is { } r ? Encoding.UTF8.GetString(_buffer, r.Start, r.Length) : null;
    }

    /// <summary>
    /// The next line of a response with timestamps=true, split into its timestamp and text (<see cref="LogLine.Parse(ReadOnlySpan{byte})"/>);
    /// null at the end of the stream. Only the text is decoded into a string: one string a line, not two.
    /// </summary>
    public async ValueTask<(DateTimeOffset? Timestamp, string Message)?> ReadEntryAsync(CancellationToken cancellationToken)
    {
        var range = await ReadRangeAsync(cancellationToken);
        return range is { } r ? LogLine.Parse(_buffer.AsSpan(r.Start, r.Length)) : null;
    }

    /// <summary>Where the next line is in the buffer (valid until the next read); null at the end of the stream.</summary>
    private async ValueTask<(int Start, int Length)?> ReadRangeAsync(CancellationToken cancellationToken)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var end = scanFrom + newline;
                var line = (_start, end - _start);
                _start = end + 1;
                return line;
            }

            if (_ended)
            {
                if (_start == _end)
                {
                    return null;
                }

                var rest = (_start, _end - _start);
                _start = _end;
                LastLineUnterminated = true;
                return rest;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            scanFrom = _end;
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _ended = true;
            }
            else
            {
                _end += read;
            }
        }
    }
}
