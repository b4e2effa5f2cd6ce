using System.Buffers;
using System.IO.Compression;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Results;

/// <summary>
/// Finds the JUnit report in a log as its lines pass, one line at a time: everything outside the
/// marked block goes by untouched, and only the block's decoded bytes are kept. When a Job retried
/// into several pods, each may write a report; the last pod that began one decides.
/// </summary>
public sealed class ReportExtractor
{
    /// <summary>Compressed reports above this size are refused rather than held in memory.</summary>
    public const int MaxCompressedBytes = 32 * 1024 * 1024;

    /// <summary>Decompressed reports above this size are refused.</summary>
    public const int MaxReportBytes = 256 * 1024 * 1024;

    private Base64Lines? _block;
    private string? _blockPod;
    private int _blockStartLine;
    private int _lines;
    private byte[]? _compressed;
    private string? _reportPod;
    private string? _problem;
    private E2eTestReportStatus _status = E2eTestReportStatus.Missing;
    private bool _rotated;

    /// <summary>Whether a begin marker was seen and its block closed (well-formed or not).</summary>
    public bool Complete => _block is null && _status != E2eTestReportStatus.Missing;

    /// <summary>Whether a block is open: the lines passing now belong to the report.</summary>
    public bool InBlock => _block is not null;

    /// <summary>
    /// Takes one log line. Returns true when the line is ordinary output, false when it is part of
    /// the report block (a marker or a base64 line), which a live log need not show.
    /// </summary>
    public bool Accept(E2eLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.InitContainer)
        {
            return true;
        }

        _lines++;
        var text = line.Message.Trim();
        if (_block is null)
        {
            if (text == ReportMarkers.End)
            {
                // An end without its begin: the lines before it are not in the log the API serves, which happens
                // when the kubelet rotated the log file while the report was written (only the current file is read).
                _reportPod = line.Pod;
                _rotated = true;
                Fail(E2eTestReportStatus.Truncated, "its beginning is not in the log: the kubelet rotated the log file (containerLogMaxSize) while the report was written, and only the current file can be read");
                return false;
            }

            if (text != ReportMarkers.Begin)
            {
                return true;
            }

            _rotated = false;
            _block = new Base64Lines();
            _blockPod = line.Pod;
            _blockStartLine = _lines;
            return false;
        }

        if (line.Pod != _blockPod)
        {
            // The pod that opened the block ended without closing it; this is another attempt.
            CloseTruncated();
            return Accept(line);
        }

        if (text == ReportMarkers.End)
        {
            var block = _block;
            _block = null;
            _reportPod = _blockPod;
            var bytes = block.ToArray();
            if (block.Error is { } error)
            {
                Fail(E2eTestReportStatus.Malformed, error);
            }
            else
            {
                _compressed = bytes;
                _status = E2eTestReportStatus.Found;
                _problem = null;
            }

            return false;
        }

        _block.Add(text, _lines - _blockStartLine);
        return false;
    }

    /// <summary>Ends the stream: an open block is a truncated report.</summary>
    public void Finish()
    {
        if (_block is not null)
        {
            CloseTruncated();
        }
    }

    /// <summary>
    /// What was found, decoded and parsed. <paramref name="run"/> fills in the job's names and status.
    /// </summary>
    public ResultReading ToReading(E2eRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Finish();
        var result = new E2eTestResult
        {
            Name = run.Name,
            JobName = run.JobName,
            Namespace = run.Namespace,
            RunId = run.RunId,
            RunStatus = run.Status,
            ExitCode = run.ExitCode,
            Pod = _reportPod,
        };
        var where = $"{run.Namespace}/{run.JobName}";
        var status = exitState(run);
        if (_status == E2eTestReportStatus.Found && _compressed is not null)
        {
            try
            {
                var xml = Gunzip(_compressed);
                result.Cases = JUnitReader.Read(xml, run.JobName, run.RunId);
                result.Report = xml;
                result.ReportStatus = E2eTestReportStatus.Found;
                return new ResultReading { Result = result };
            }
            catch (InvalidDataException error)
            {
                Fail(E2eTestReportStatus.Malformed, error.Message);
            }
        }

        result.ReportStatus = _status;
        result.ReportMessage = _status switch
        {
            E2eTestReportStatus.Missing => $"The test container of {where} wrote no JUnit report to its log ({status}).",
            E2eTestReportStatus.Truncated => $"The JUnit report in the log of pod {_reportPod} of {where} is truncated: {_problem} ({status}).",
            _ => $"The JUnit report in the log of pod {_reportPod} of {where} is malformed: {_problem} ({status}).",
        };
        var problem = _status switch
        {
            E2eTestReportStatus.Missing => new E2eException("NoTestReport", E2eErrorCategory.ObjectNotFound, run, result.ReportMessage)
            {
                RecommendedAction = $"Make the runner write its JUnit report between the lines '{ReportMarkers.Begin}' and '{ReportMarkers.End}' (the E2ePs templates do); read what it printed with Get-E2eLog -Name {run.Name} -Namespace {run.Namespace}.",
            },
            E2eTestReportStatus.Truncated when _rotated => new E2eException("TestReportRotated", E2eErrorCategory.InvalidData, run, result.ReportMessage)
            {
                RecommendedAction = "Read the results while the run runs: Invoke-E2eTest reads the report from the followed log, which goes on across rotations; or raise the kubelet's containerLogMaxSize, or make the tests print less.",
            },
            E2eTestReportStatus.Truncated => new E2eException("TestReportTruncated", E2eErrorCategory.InvalidData, run, result.ReportMessage)
            {
                RecommendedAction = $"The container was probably killed or its log cut while writing; look at the end of its log with Get-E2eLog -Name {run.Name} -Namespace {run.Namespace} -Tail 20 and at its memory limit.",
            },
            _ => new E2eException("TestReportMalformed", E2eErrorCategory.InvalidData, run, result.ReportMessage)
            {
                RecommendedAction = "Check that the runner gzips the JUnit XML file, base64-encodes it and prints nothing else between the markers.",
            },
        };
        return new ResultReading { Result = result, Problem = problem };

        static string exitState(E2eRun run) => run.ExitCode is { } code
            ? $"run {run.Status}, exit code {code}"
            : $"run {run.Status}";
    }

    private void CloseTruncated()
    {
        _block = null;
        _reportPod = _blockPod;
        Fail(E2eTestReportStatus.Truncated, "the log ends before the end marker");
    }

    private void Fail(E2eTestReportStatus status, string problem)
    {
        _status = status;
        _problem = problem;
        _compressed = null;
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > MaxReportBytes)
                {
                    throw new InvalidDataException($"the report is larger than {MaxReportBytes / (1024 * 1024)} MiB once decompressed");
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException error) when (!error.Message.StartsWith("the report", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"the block is not valid gzip data ({error.Message})", error);
        }
        catch (EndOfStreamException error)
        {
            throw new InvalidDataException("the gzip data ends early: the block is incomplete", error);
        }
    }

    /// <summary>The base64 text of a block, decoded as it arrives; only whole 4-character groups are decoded.</summary>
    private sealed class Base64Lines
    {
        private readonly ArrayBufferWriter<byte> _bytes = new();
        private readonly char[] _carry = new char[4];
        private int _carried;
        private bool _ended;

        public string? Error { get; private set; }

        public void Add(string text, int lineNumber)
        {
            if (Error is not null || text.Length == 0)
            {
                return;
            }

            Span<char> group = stackalloc char[4];
            Span<byte> decoded = stackalloc byte[3];
            foreach (var c in text)
            {
                if (!IsBase64(c))
                {
                    Error = $"line {lineNumber} of the block is not base64 (it holds '{c}')";
                    return;
                }

                if (_ended)
                {
                    Error = $"line {lineNumber} of the block goes on after the base64 padding";
                    return;
                }

                _carry[_carried++] = c;
                if (_carried < 4)
                {
                    continue;
                }

                _carry.CopyTo(group);
                _carried = 0;
                if (!Convert.TryFromBase64Chars(group, decoded, out var written))
                {
                    Error = $"line {lineNumber} of the block is not valid base64";
                    return;
                }

                _ended = group[3] == '=';
                _bytes.Write(decoded[..written]);
                if (_bytes.WrittenCount > MaxCompressedBytes)
                {
                    Error = $"the block is larger than {MaxCompressedBytes / (1024 * 1024)} MiB";
                    return;
                }
            }
        }

        public byte[] ToArray()
        {
            if (_carried != 0 && Error is null)
            {
                Error = "the base64 text ends in the middle of a group";
            }

            return _bytes.WrittenSpan.ToArray();
        }

        private static bool IsBase64(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/' or '=';
    }
}
