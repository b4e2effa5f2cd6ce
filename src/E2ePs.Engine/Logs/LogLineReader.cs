using System.Text;

namespace E2ePs.Engine.Logs;

/// <summary>
/// Reads a log response line by line, where a line ends at '\n' only: the kubelet reads the container's
/// log file with <c>ReadBytes('\n')</c> (kubernetes/kubernetes pkg/kubelet/kuberuntime/logs/logs.go) and
/// the CRI log format keeps any '\r' in the line's content. Like kubectl, which prints the bytes as they
/// come, every '\r' stays in the text, a final one before '\n' too. Bytes are decoded per line, so a
/// UTF-8 character is never split. With <paramref name="blocking"/>, the stream is read with blocking
/// calls on the thread that asks (see <see cref="E2ePs.Contracts.LogRequest.ReadOnCallingThread"/>); the
/// caller makes cancellation dispose the stream, which ends such a read.
/// </summary>
public sealed class LogLineReader(Stream stream, bool blocking = false)
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

    /// <summary>
    /// Every complete line already in the buffer, each with its '\n' (reading from the stream only when
    /// there is none): the lines that arrived together, valid until the next read. At the end of the
    /// stream, a rest without '\n' (then <see cref="LastLineUnterminated"/>); empty at the end.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLinesAsync(CancellationToken cancellationToken)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(scanFrom, _end - scanFrom).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                var lines = _buffer.AsMemory(_start, scanFrom + newline + 1 - _start);
                _start = scanFrom + newline + 1;
                return lines;
            }

            if (_ended)
            {
                var rest = _buffer.AsMemory(_start, _end - _start);
                LastLineUnterminated |= !rest.IsEmpty;
                _start = _end;
                return rest;
            }

            scanFrom = _end;
            await FillAsync(cancellationToken);
            scanFrom -= _shift;
        }
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

            scanFrom = _end;
            await FillAsync(cancellationToken);
            scanFrom -= _shift;
        }
    }

    // How far the last FillAsync moved the buffer's content to its start.
    private int _shift;

    /// <summary>Reads more of the stream behind what is buffered (moving it to the start, growing the buffer when full).</summary>
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        _shift = _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read;
        if (blocking)
        {
            try
            {
                read = stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (Exception error) when (cancellationToken.IsCancellationRequested && error is not OperationCanceledException)
            {
                // Cancellation disposed the stream under the blocking read.
                throw new OperationCanceledException(cancellationToken);
            }
        }
        else
        {
            read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        }

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
