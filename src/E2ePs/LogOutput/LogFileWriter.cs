using System.Buffers;
using System.Text;
using E2ePs.Models;

namespace E2ePs.LogOutput;

/// <summary>
/// Get-E2eLog -OutFile: the log streamed into one file as it arrives, UTF-8 without a BOM, each line
/// ended by '\n', the bytes kubectl logs writes (with the prefix of each container when several are read,
/// as kubectl logs --prefix). No object is made per line. <see cref="Flush"/> after each batch of lines
/// that arrived together puts them in the file, so whatever arrived before Ctrl+C or an error is there.
/// </summary>
public sealed class LogFileWriter : IDisposable
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly FileStream _file;
    private readonly bool _timestamps;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _used;

    /// <summary>Creates (or empties) the file at <paramref name="path"/>, a file-system path already resolved.</summary>
    public LogFileWriter(string path, bool timestamps)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        _timestamps = timestamps;
    }

    /// <summary>Bytes written to the file so far.</summary>
    public long Length { get; private set; }

    /// <summary>Adds one line (and its '\n') to what the next <see cref="Flush"/> writes.</summary>
    public void Write(E2eLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        Append(line.Prefix);
        if (_timestamps && line.Timestamp is not null)
        {
            Append(LogText.Timestamp(line));
            Append(" ");
        }

        Append(line.Message);
        Reserve(1);
        _buffer[_used++] = (byte)'\n';
    }

    /// <summary>Writes what was added to the file.</summary>
    public void Flush()
    {
        if (_used == 0)
        {
            return;
        }

        _file.Write(_buffer, 0, _used);
        Length += _used;
        _used = 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            _file.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Append(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        Reserve(s_utf8.GetMaxByteCount(text.Length));
        _used += s_utf8.GetBytes(text, _buffer.AsSpan(_used));
    }

    private void Reserve(int bytes)
    {
        if (_buffer.Length - _used >= bytes)
        {
            return;
        }

        // Write out what is buffered first; a line larger than the buffer gets a larger one.
        Flush();
        if (_buffer.Length < bytes)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(bytes);
        }
    }
}
