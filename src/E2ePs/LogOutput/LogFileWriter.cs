using E2ePs.Contracts;

namespace E2ePs.LogOutput;

/// <summary>
/// Get-E2eLog -OutFile: the log streamed into one file as it arrives, UTF-8 without a BOM, the bytes kubectl
/// logs writes (with the prefix of each container when several are read, as kubectl logs --prefix): one
/// write per chunk of lines that arrived together (<see cref="LogChunkText"/>), no object or string per
/// line. Each chunk is in the file once <see cref="Write"/> returns, so whatever arrived before Ctrl+C or
/// an error is there.
/// </summary>
public sealed class LogFileWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly bool _timestamps;
    private readonly LogChunkText _text = new();

    /// <summary>Creates (or empties) the file at <paramref name="path"/>, a file-system path already resolved.</summary>
    public LogFileWriter(string path, bool timestamps)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        _timestamps = timestamps;
    }

    /// <summary>Bytes written to the file so far.</summary>
    public long Length { get; private set; }

    /// <summary>Writes the lines of <paramref name="chunk"/>, each with <paramref name="prefix"/>.</summary>
    public void Write(LogChunk chunk, string prefix)
    {
        var bytes = _text.Format(chunk, prefix, _timestamps);
        _file.Write(bytes.Span);
        Length += bytes.Length;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _file.Dispose();
        _text.Dispose();
    }
}
