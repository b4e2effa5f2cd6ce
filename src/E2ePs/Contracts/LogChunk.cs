namespace E2ePs.Contracts;

/// <summary>
/// Lines of one container's log that arrived together, as the API server sent them with timestamps=true
/// ("&lt;RFC 3339 stamp&gt; &lt;text&gt;\n" each, <see cref="LogStamp"/>), already checked against the resume
/// point: each line once, in order. The byte path of Get-E2eLog -Raw and -OutFile: no object and no
/// string per line. Every line ends in '\n' except, at the end of a log that was not followed, a last
/// line the container did not end.
/// </summary>
public sealed class LogChunk
{
    /// <summary>Pod the lines come from.</summary>
    public string Pod { get; init; } = "";

    /// <summary>Container the lines come from.</summary>
    public string Container { get; init; } = "";

    /// <summary>Whether the container is an init container.</summary>
    public bool InitContainer { get; init; }

    /// <summary>The lines' bytes; the chunk owns the array.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>How many lines <see cref="Data"/> holds.</summary>
    public int Lines { get; init; }
}
