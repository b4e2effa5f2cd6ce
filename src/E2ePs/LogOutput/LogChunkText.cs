using System.Buffers;
using System.Globalization;
using System.Text;
using E2ePs.Contracts;

namespace E2ePs.LogOutput;

/// <summary>
/// The byte path of -Raw and -OutFile: a <see cref="LogChunk"/> (raw lines as the API server sent them with
/// timestamps=true) turned into the bytes kubectl logs prints for them, in one buffer reused from chunk to
/// chunk. Each line loses the API server's stamp and gets the prefix of its container when several are read
/// (kubectl's --prefix) and, with -Timestamps, the stamp as <see cref="LogText.Timestamp"/> writes it. A line
/// keeps its '\n', or lacks it where the container's last line did: kubectl copies those bytes as they are.
/// No string and no object is made per line.
/// </summary>
public sealed class LogChunkText : IDisposable
{
    private const string StampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    // The stamp as -Timestamps writes it is 28 bytes, then a space.
    private const int StampBytes = 29;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private string? _prefixOf;
    private byte[] _prefix = [];

    /// <summary>The bytes of the last chunk formatted, valid until the next.</summary>
    public ReadOnlyMemory<byte> Bytes { get; private set; }

    /// <summary>Formats <paramref name="chunk"/> into <see cref="Bytes"/>.</summary>
    public ReadOnlyMemory<byte> Format(LogChunk chunk, string prefix, bool timestamps)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!ReferenceEquals(prefix, _prefixOf))
        {
            _prefixOf = prefix;
            _prefix = Encoding.UTF8.GetBytes(prefix);
        }

        var data = chunk.Data.AsSpan();
        var most = data.Length + ((long)chunk.Lines * (_prefix.Length + (timestamps ? StampBytes : 0)));
        if (_buffer.Length < most)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(most, Array.MaxLength));
        }

        var output = _buffer.AsSpan();
        var used = 0;
        while (!data.IsEmpty)
        {
            var end = data.IndexOf((byte)'\n');
            var line = end < 0 ? data : data[..(end + 1)];
            data = data[line.Length..];
            DateTimeOffset stamp = default;
            var start = timestamps ? LogStamp.TextStart(line, out stamp) : LogStamp.SkipStamp(line);
            _prefix.CopyTo(output[used..]);
            used += _prefix.Length;
            if (timestamps && start > 0)
            {
                ((IUtf8SpanFormattable)stamp.UtcDateTime).TryFormat(output[used..], out var written, StampFormat, CultureInfo.InvariantCulture);
                used += written;
                output[used++] = (byte)' ';
            }

            line[start..].CopyTo(output[used..]);
            used += line.Length - start;
        }

        Bytes = _buffer.AsMemory(0, used);
        return Bytes;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        Bytes = default;
    }
}
