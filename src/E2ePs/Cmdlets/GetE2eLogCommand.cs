using System.Management.Automation;
using System.Text;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.LogOutput;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Get-E2eLog: the logs of every pod of a job, init containers first, each line an object written as
/// it arrives and shown as its text; -Raw writes chunks of text, -OutFile streams the log to a file.
/// Binds by property name to an E2eRun or E2eJob piped in.
/// </summary>
[Cmdlet(VerbsCommon.Get, "E2eLog", HelpUri = HelpLinks.Base + "Get-E2eLog.md", DefaultParameterSetName = ObjectsSet, SupportsShouldProcess = true)]
[OutputType(typeof(E2eLogLine), typeof(string), ParameterSetName = [ObjectsSet])]
[OutputType(typeof(string), ParameterSetName = [RawSet])]
public sealed class GetE2eLogCommand : ClusterCmdlet
{
    private const string ObjectsSet = "Objects";
    private const string RawSet = "Raw";
    private const string OutFileSet = "OutFile";

    private LogFileWriter? _file;

    /// <summary>Short names (or Kubernetes names) of jobs: each means its newest run.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>
    /// The Kubernetes name of one run's Job, bound by property name from an E2eRun piped in (its JobName,
    /// with its Uid): a run has a Job of its own (test-&lt;name&gt;-e2e-&lt;run&gt;), so the short name alone
    /// does not say which. Not shown: a user names a job with -Name.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? JobName { get; set; }

    /// <summary>UID of the Job, from an E2eRun: only the pods of that run, not of an earlier Job of the same name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Uid { get; set; }

    /// <summary>Stream the log until the test container ends, waiting for a pod still being created.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Only this container, for example clone-repo or test-runner.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string? Container { get; set; }

    /// <summary>Only the last lines of each container.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>Only lines newer than this, for example (New-TimeSpan -Minutes 5).</summary>
    [Parameter]
    public TimeSpan? Since { get; set; }

    /// <summary>Write each line as text, prefixed with its timestamp, instead of as an object.</summary>
    [Parameter]
    public SwitchParameter Timestamps { get; set; }

    /// <summary>Write the log as strings of text as it arrives (several lines each, each ending in a newline), as Get-Content -Raw does, instead of an object per line.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RawSet)]
    public SwitchParameter Raw { get; set; }

    /// <summary>Stream the log into this file as it arrives (UTF-8, LF line ends) instead of writing objects.</summary>
    [Parameter(Mandatory = true, ParameterSetName = OutFileSet)]
    [ValidateNotNullOrEmpty]
    public string OutFile { get; set; } = "";

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            Read(name);
        }
    }

    private void Read(string name)
    {
        LogRequest request;
        try
        {
            request = Request(name);
        }
        catch (E2eException error)
        {
            // An invalid -Name or -Namespace: said as such, not as "not found" from the cluster; no run: JobNotFound.
            WriteE2eError(error);
            return;
        }

        try
        {
            switch (ParameterSetName)
            {
                case RawSet:
                    WriteRaw(request);
                    break;
                case OutFileSet:
                    WriteFile(request);
                    break;
                default:
                    WriteLines(request);
                    break;
            }
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    private LogRequest Request(string name)
    {
        var run = RunToRead(name, JobName, Uid);
        return new()
        {
            Target = TargetOf(run),
            JobName = run.JobName,
            Uid = string.IsNullOrEmpty(run.Uid) ? null : run.Uid,
            Follow = Follow,
            Container = Container,
            Tail = Tail,
            Since = Since,

            // The pipeline thread waits for each line anyway: reading on it saves a thread-pool trip per read.
            ReadOnCallingThread = true,
        };
    }

    private IAsyncEnumerable<E2eLogLine> ReadLines(LogRequest request) => Engine.Cluster.ReadLogsAsync(request, CancellationToken);

    private IAsyncEnumerable<LogChunk> ReadChunks(LogRequest request) => Engine.Cluster.ReadLogChunksAsync(request, CancellationToken);

    /// <summary>An object per line, shown as its text (<see cref="LogLineDisplay"/>); with -Timestamps, a string per line.</summary>
    private void WriteLines(LogRequest request)
    {
        var sections = new LogSections(string.IsNullOrEmpty(Container));
        var adapted = Timestamps || LogLineDisplay.Register(this);
        foreach (var line in Drain(ReadLines(request)))
        {
            Mark(sections, line);
            WriteObject(Timestamps ? LogText.Line(line, timestamps: true) : adapted ? line : LogLineDisplay.AsText(line));
        }
    }

    /// <summary>-Raw: the lines that arrived together as one string, each line ending in '\n' as the container wrote it (<see cref="LogChunkText"/>).</summary>
    private void WriteRaw(LogRequest request)
    {
        var sections = new LogSections(string.IsNullOrEmpty(Container));
        using var text = new LogChunkText();
        foreach (var chunk in Drain(ReadChunks(request)))
        {
            Mark(sections, chunk);
            WriteObject(Encoding.UTF8.GetString(text.Format(chunk, sections.Prefix, Timestamps).Span));
        }
    }

    /// <summary>
    /// -OutFile: the log streamed into a file, one write per chunk of lines that arrived together; what
    /// arrived is in the file, Ctrl+C included. The file is created once per command, so the logs of several
    /// runs (-Name a,b or piped runs) follow one another in it rather than each replacing the one before.
    /// </summary>
    private void WriteFile(LogRequest request)
    {
        var path = ResolveFileSystemPath(OutFile);
        if (!ShouldProcess(path, $"Write the log of job {request.JobName} to file"))
        {
            return;
        }

        var file = _file ??= OpenFile(path);
        var sections = new LogSections(string.IsNullOrEmpty(Container));
        var before = file.Length;
        foreach (var chunk in Drain(ReadChunks(request)))
        {
            Mark(sections, chunk);
            file.Write(chunk, sections.Prefix);
        }

        WriteVerbose($"Wrote {file.Length - before} bytes of the log of {request.JobName} to {path}.");
    }

    private LogFileWriter OpenFile(string path)
    {
        try
        {
            return new LogFileWriter(path, Timestamps);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new E2eException("LogFileNotWritable", E2eErrorCategory.WriteError, path, $"The log cannot be written to '{path}': {error.Message}")
            {
                RecommendedAction = "Pass -OutFile a path in a folder that exists and that you can write to.",
            };
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        _file?.Dispose();
        _file = null;
        base.EndProcessing();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file?.Dispose();
            _file = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>Gives the line its container's prefix when several are read, and says in -Verbose where a container starts.</summary>
    private void Mark(LogSections sections, E2eLogLine line)
    {
        if (sections.Mark(line))
        {
            WriteStart(line.Pod, line.Container, line.InitContainer);
        }

        if (line.EarlierLinesRotated)
        {
            var at = line.Timestamp?.UtcDateTime.ToString("HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            WriteWarning($"The log of {(line.InitContainer ? "init container" : "container")} {line.Container} of pod {line.Pod} begins at {at}, after the container started: "
                + "its earlier lines were rotated away (the kubelet keeps only its current log file readable, containerLogMaxSize, 10 MiB by default). "
                + "Follow a run's log while it runs (Get-E2eLog -Follow, Invoke-E2eTest) to read all of it.");
        }
    }

    /// <summary>Makes the sections' prefix the chunk's container's, and says in -Verbose where a container starts.</summary>
    private void Mark(LogSections sections, LogChunk chunk)
    {
        if (sections.Mark(chunk.Pod, chunk.Container))
        {
            WriteStart(chunk.Pod, chunk.Container, chunk.InitContainer);
        }
    }

    private void WriteStart(string pod, string container, bool init) =>
        WriteVerbose($"Log of {(init ? "init container" : "container")} {container} of pod {pod}");
}
