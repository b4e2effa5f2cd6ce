using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Validation;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Invoke-E2eTest: the whole flow in one command, for CI pipelines and runbooks. Builds (optionally),
/// starts, waits, streams logs (optionally) and reads the JUnit results of every job, retries runs that
/// failed for an infrastructure reason, and reports to Azure DevOps or GitHub Actions when it runs there.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "E2eTest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByJobSet, HelpUri = HelpLinks.Base + "Invoke-E2eTest.md")]
[OutputType(typeof(E2eRun))]
public sealed class InvokeE2eTestCommand : ClusterCmdlet
{
    private const string ByJobSet = "ByJob";
    private const string ByNameSet = "ByName";
    private readonly List<InvokeRequest> _requests = [];
    private IReadOnlyList<KeyValuePair<string, string>> _env = [];
    private bool _exclusiveLog;

    /// <summary>Job definitions, from Get-E2eJob or New-E2eJob.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByJobSet)]
    public E2eJob[]? InputObject { get; set; }

    /// <summary>Short names of jobs of the repository at -Path (or the current location).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The repository root that holds the jobs named by -Name, or a manifest file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByNameSet)]
    [Alias("PSPath", "FullName", "ManifestPath")]
    public string? Path { get; set; }

    /// <summary>
    /// Hidden: the PSIsContainer of a piped file-system item. A folder piped in binds to -Path through
    /// its FullName; this tells its Name (the folder's) from a job name.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("PSIsContainer")]
    public bool PipedFolder { get; set; }

    /// <summary>
    /// Hidden: the Pushed property of an E2eImage piped in from Build-E2eImage. An image that was
    /// built but not pushed is not in the registry the cluster pulls from.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("Pushed")]
    public bool? PipedImagePushed { get; set; }

    /// <summary>
    /// Hidden: the ImageId and SkipTlsVerify of an E2eImage piped in from Build-E2eImage; for one
    /// that was not pushed, the registry's image of the tag is compared with ImageId.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("ImageId")]
    public string? PipedImageId { get; set; }

    /// <summary>Hidden: see <see cref="PipedImageId"/>.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("SkipTlsVerify")]
    public bool PipedImageSkipTlsVerify { get; set; }

    /// <summary>Image to run instead of the manifest's (ignored with -Build, which runs the image it built).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Image { get; set; }

    /// <summary>Branch for the init container to clone instead of the manifest's.</summary>
    [Parameter]
    public string? Branch { get; set; }

    /// <summary>
    /// The commit to check out (a sha, short sha, branch or tag); default: the local HEAD when the remote
    /// has it. Every retry runs the same commit as the first attempt.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Commit { get; set; }

    /// <summary>Environment variables to add to or override in the test container.</summary>
    [Parameter]
    public IDictionary? Env { get; set; }

    /// <summary>Build each job's image first, as Build-E2eImage does, and run the image built.</summary>
    [Parameter]
    public SwitchParameter Build { get; set; }

    /// <summary>Build, push and run the image by digest (implies -Build).</summary>
    [Parameter]
    public SwitchParameter Push { get; set; }

    /// <summary>Seconds one attempt may take; a run still going on then ends with status TimedOut. No limit by default.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Timeout { get; set; }

    /// <summary>Seconds an image pull may fail before the attempt is reported failed; 0 by default.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int PullGracePeriod { get; set; }

    /// <summary>
    /// Seconds a pod the scheduler cannot place may wait for a node autoscaler to decide to add a node (120 by default;
    /// 0 fails at once). A scale-up the autoscaler announces keeps the attempt pending until its node comes; a cluster
    /// without an autoscaler fails at once.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int ScheduleGracePeriod { get; set; } = (int)WaitOptions.DefaultScheduleGracePeriod.TotalSeconds;

    /// <summary>How many more times to start a run that failed for an infrastructure reason (0 to 20); 0 by default.</summary>
    [Parameter]
    public int RetryCount { get; set; }

    /// <summary>Infrastructure (the default) or TestFailure, which also retries runs whose tests failed.</summary>
    [Parameter]
    [ValidateSet("Infrastructure", "TestFailure")]
    public string RetryOn { get; set; } = "Infrastructure";

    /// <summary>Seconds to wait before a retry; 10 by default.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int RetryDelay { get; set; } = 10;

    /// <summary>How many jobs run at the same time; 4 by default.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Stream each run's log to the host while it runs.</summary>
    [Parameter]
    public SwitchParameter ShowLog { get; set; }

    /// <summary>Text (the default) or Json: one JSON object a log line, for log collectors.</summary>
    [Parameter]
    [ValidateSet("Text", "Json")]
    public string LogFormat { get; set; } = "Text";

    /// <summary>Prefix text log lines with the time the container wrote them.</summary>
    [Parameter]
    public SwitchParameter Timestamps { get; set; }

    /// <summary>Folder to save each run's JUnit report in, as TEST-&lt;job name&gt;.xml.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ResultPath { get; set; }

    /// <summary>The CI system to report to; Auto (the default) detects Azure DevOps (TF_BUILD) and GitHub Actions (GITHUB_ACTIONS).</summary>
    [Parameter]
    public ResultCiSystem CiSystem { get; set; } = ResultCiSystem.Auto;

    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        // The rules of ValueRules, the ones the engine applies too: refused here, before any job is resolved or built.
        try
        {
            ValueRules.RetryCount(RetryCount);
            ValueRules.Branch(string.IsNullOrEmpty(Branch) ? null : Branch);
            _env = TableParameter.ToList(Env);
            ValueRules.Env(_env);
        }
        catch (E2eException error)
        {
            ThrowE2eError(error);
        }
    }

    private bool CheckPipedImage()
    {
        var image = Image;
        var checkedImage = Build || Push || CheckPipedImage(PipedImagePushed, ref image, PipedImageId, PipedImageSkipTlsVerify, "run");
        Image = image;
        return checkedImage;
    }

    private bool CheckJobIdentified() => ParameterSetName != ByNameSet || CheckJobIdentified(JobNames(Name, PipedFolder), Path, "run");

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            if (!CheckPipedImage() || !CheckJobIdentified())
            {
                return;
            }

            foreach (var job in ResolveJobs(ParameterSetName == ByJobSet ? InputObject ?? [] : null, JobNames(Name, PipedFolder), Path, allWhenUnnamed: false))
            {
                var target = Target;
                if (ShouldRun(job, target))
                {
                    _requests.Add(Request(job, target));
                }
            }
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    private bool ShouldRun(E2eJob job, ClusterTarget target)
    {
        var ns = target.Namespace ?? (string.IsNullOrEmpty(job.Namespace) ? null : job.Namespace) ?? "(the manifest's namespace)";
        var build = Build || Push ? (Push ? "build and push its image, " : "build its image, ") : "";
        return ShouldProcess($"Job {job.JobName} in namespace {ns} on {DescribeCluster(target)}",
            $"Run the tests: {build}create a Job for a new run, wait for it and read its results");
    }

    private InvokeRequest Request(E2eJob job, ClusterTarget target) => new()
    {
        JobName = job.JobName,
        Start = new StartJobRequest
        {
            Target = target,
            ManifestPath = job.ManifestPath,
            Job = job,
            Image = string.IsNullOrEmpty(Image) || Image == job.Image ? null : Image,
            Branch = Branch,
            Env = _env,
            Commit = Commit,
            Warning = _apiWarnings.Enqueue,
        },
    };

    /// <summary>The API server's warnings about starts (Pod Security's "would violate ..."), written on the pipeline thread.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _apiWarnings = new();

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_requests.Count == 0)
        {
            return;
        }

        var reporter = CreateReporter();
        var options = Options(reporter);
        WriteVerbose($"Reporting to {reporter.System}; JUnit reports {(options.ResultPath is null ? "are not saved" : $"go to '{options.ResultPath}'")}.");

        // Groups cannot interleave: a run's log gets its own collapsible group only when it is the only one logging.
        _exclusiveLog = _requests.Count == 1 || ThrottleLimit == 1;
        var tally = new Tally(_requests.Count);
        try
        {
            foreach (var update in Drain(Engine.Results.InvokeAsync(_requests, options, CancellationToken)))
            {
                Write(update, reporter, tally);
                WriteProgress(tally.Progress());
            }
        }
        catch (E2eException error)
        {
            ThrowE2eError(error);
        }

        if (!CancellationToken.IsCancellationRequested)
        {
            WriteHost(reporter.Completed(tally.Finished, tally.Errors));
        }

        WriteProgress(tally.Progress(completed: true));
    }

    private IResultReporter CreateReporter() => Engine.Results.CreateReporter(new ResultReporterOptions
    {
        CiSystem = CiSystem,
        LogFormat = LogFormat == "Json" ? ResultLogFormat.Json : ResultLogFormat.Text,
        Timestamps = Timestamps,
    });

    private InvokeOptions Options(IResultReporter reporter) => new()
    {
        Build = Build || Push,
        Push = Push,
        RetryCount = RetryCount,
        RetryTestFailures = RetryOn == "TestFailure",
        RetryDelay = TimeSpan.FromSeconds(RetryDelay),
        Timeout = Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        PullGracePeriod = TimeSpan.FromSeconds(PullGracePeriod),
        ScheduleGracePeriod = TimeSpan.FromSeconds(ScheduleGracePeriod),
        ThrottleLimit = ThrottleLimit,
        FollowLogs = ShowLog,
        // -ResultPath, else where the CI system wants report files (Azure DevOps: its results folder), else none.
        ResultPath = ResultPath is not null ? ResolveFileSystemPath(ResultPath) : reporter.ReportFolder,
    };

    /// <summary>Writes one update, on the pipeline thread, to the streams and, through the reporter, to the CI system.</summary>
    private void Write(InvokeUpdate update, IResultReporter reporter, Tally tally)
    {
        while (_apiWarnings.TryDequeue(out var warning))
        {
            WriteWarning(warning);
        }

        switch (update)
        {
            case InvokeUpdate.Building building:
                WriteVerbose($"{building.JobName}: {building.Text}");
                break;
            case InvokeUpdate.Started started:
                tally.Started++;
                WriteVerbose($"Started {started.Run.Namespace}/{started.Run.JobName} (attempt {started.Attempt}, run {started.Run.RunId}, {(started.Run.Commit is { } commit ? "commit " + commit : "no commit pinned: the branch's tip")}) on context '{started.Run.Context}'.");
                if (ShowLog)
                {
                    WriteHost(reporter.LogStarted(started.Run, _exclusiveLog));
                }

                break;
            case InvokeUpdate.Log log:
                WriteHost(reporter.LogLine(log.Run, log.Line, _exclusiveLog));
                break;
            case InvokeUpdate.LogEnded ended:
                WriteHost(reporter.LogEnded(ended.Run, _exclusiveLog));
                break;
            case InvokeUpdate.Retrying retrying:
                WriteRetry(retrying, reporter);
                break;
            case InvokeUpdate.Warning warning:
                WriteWarning($"[{warning.Problem.ErrorId}] {warning.Problem.Message}");
                WriteHost(reporter.Warning(warning.Problem.ErrorId, warning.Problem.Message));
                break;
            case InvokeUpdate.ReportError { Problem: var problem }:
                WriteFailure(problem, reporter, tally);
                break;
            case InvokeUpdate.Failed { Problem: var problem }:
                WriteFailure(problem, reporter, tally);
                break;
            case InvokeUpdate.Finished finished:
                Finish(finished, reporter, tally);
                break;
        }
    }

    private void WriteRetry(InvokeUpdate.Retrying retrying, IResultReporter reporter)
    {
        var run = retrying.Run;
        var retry = $"Attempt {retrying.Attempt} of {run.Namespace}/{run.JobName} failed ({run.FailureKind}: {run.Reason ?? run.Status.ToString()}); starting attempt {retrying.Attempt + 1} of {RetryCount + 1} in {retrying.Delay.TotalSeconds:0} s. {run.Message}";
        WriteWarning(retry);
        WriteHost(reporter.Warning("E2eRunRetried", retry));
    }

    private void WriteFailure(E2eException problem, IResultReporter reporter, Tally tally)
    {
        tally.Errors++;
        WriteE2eError(problem);
        WriteHost(reporter.Error(problem.ErrorId, problem.Message));
    }

    private void Finish(InvokeUpdate.Finished update, IResultReporter reporter, Tally tally)
    {
        var run = update.Run;
        tally.Finished.Add(run);
        WriteHost(reporter.RunFinished(run, update.ReportFile));
        WriteObject(run);
        var failedCases = run.TestResult?.Failed ?? 0;
        if (run.Status == E2eRunStatus.Succeeded && failedCases == 0)
        {
            return;
        }

        var error = RunFailures.Error(run);
        WriteE2eError(error);
        WriteHost(reporter.Error(error.ErrorId, error.Message));
    }

    /// <summary>Writes lines to the host the way Write-Host does: the information stream, tagged PSHOST.</summary>
    private void WriteHost(IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            var record = new InformationRecord(new HostInformationMessage { Message = line }, "Invoke-E2eTest");
            record.Tags.Add("PSHOST");
            record.Tags.Add("E2ePs");
            WriteInformation(record);
        }
    }

    /// <summary>How far the runs are, for the progress bar and the closing summary.</summary>
    private sealed class Tally(int total)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public int Started { get; set; }

        public int Errors { get; set; }

        public List<E2eRun> Finished { get; } = [];

        public ProgressRecord Progress(bool completed = false) => new(3, $"Running {total} E2E job(s)", string.Create(CultureInfo.InvariantCulture,
            $"{Started} attempt(s) started, {Finished.Count} of {total} finished, {Errors} error(s) ({_clock.Elapsed:hh\\:mm\\:ss})"))
        {
            PercentComplete = Finished.Count * 100 / total,
            RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
    }
}
