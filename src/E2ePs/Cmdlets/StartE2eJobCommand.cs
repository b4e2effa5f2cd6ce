using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Validation;

namespace E2ePs.Cmdlets;

/// <summary>
/// Start-E2eJob: resolves the commit to test, applies a job's ServiceAccount, Role and RoleBinding,
/// creates a Job of the run's own (earlier runs are left alone) and returns the run at once.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "E2eJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByJobSet, HelpUri = HelpLinks.Base + "Start-E2eJob.md")]
[OutputType(typeof(E2eRun))]
public sealed class StartE2eJobCommand : ClusterCmdlet
{
    private const string ByJobSet = "ByJob";
    private const string ByNameSet = "ByName";
    private readonly List<StartJobRequest> _requests = [];
    private IReadOnlyList<KeyValuePair<string, string>> _env = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _verbose = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();

    /// <summary>Job definitions, from Get-E2eJob or New-E2eJob.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByJobSet)]
    public E2eJob[]? InputObject { get; set; }

    /// <summary>Short names of jobs of the repository at -Path (or the current location).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A manifest file to start, or the repository root that holds the jobs named by -Name.</summary>
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

    /// <summary>Image to run instead of the manifest's; an E2eImage piped in sets it to the image just built.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Image { get; set; }

    /// <summary>Environment variables to add to or override in the test container.</summary>
    [Parameter]
    public IDictionary? Env { get; set; }

    /// <summary>Branch for the init container to clone instead of the manifest's.</summary>
    [Parameter]
    public string? Branch { get; set; }

    /// <summary>
    /// The commit to check out: a sha, short sha, branch or tag of the job's repository. Default: the
    /// local HEAD when the remote has it, or with -Branch the tip of that branch on the remote.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Commit { get; set; }

    /// <summary>How many jobs are started at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    private bool CheckPipedImage()
    {
        var image = Image;
        var checkedImage = CheckPipedImage(PipedImagePushed, ref image, PipedImageId, PipedImageSkipTlsVerify, "started");
        Image = image;
        return checkedImage;
    }

    private bool CheckJobIdentified() => ParameterSetName != ByNameSet || CheckJobIdentified(JobNames(Name, PipedFolder), Path, "start");

    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        // The rules New-E2eJob applies to the same values (ValueRules): refused before any job is resolved.
        try
        {
            ValueRules.Branch(string.IsNullOrEmpty(Branch) ? null : Branch);
            _env = TableParameter.ToList(Env);
            ValueRules.Env(_env);
        }
        catch (E2eException error)
        {
            ThrowE2eError(error);
        }
    }

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
                var request = new StartJobRequest
                {
                    Target = Target,
                    ManifestPath = job.ManifestPath,
                    Job = job,
                    Image = string.IsNullOrEmpty(Image) || Image == job.Image ? null : Image,
                    Branch = Branch,
                    Env = _env,
                    Commit = Commit,
                    Verbose = _verbose.Enqueue,
                    Warning = _warnings.Enqueue,
                };
                var ns = request.Target.Namespace ?? (string.IsNullOrEmpty(job.Namespace) ? null : job.Namespace) ?? "(the manifest's namespace)";
                if (ShouldProcess($"Job {job.JobName} in namespace {ns} on {DescribeCluster(request.Target)}", "Apply its ServiceAccount, Role and RoleBinding and create a Job for a new run"))
                {
                    _requests.Add(request);
                }
            }
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_requests.Count == 0)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var progress = new ProgressRecord(1, "Starting E2E jobs", $"0 of {_requests.Count} started");
        var started = 0;
        foreach (var outcome in Drain(StartAllAsync()))
        {
            while (_verbose.TryDequeue(out var line))
            {
                WriteVerbose(line);
            }

            // The API server's warnings (Pod Security's "would violate PodSecurity ..."), as kubectl prints its "Warning:" lines.
            while (_warnings.TryDequeue(out var warning))
            {
                WriteWarning(warning);
            }

            started++;
            progress.StatusDescription = $"{started} of {_requests.Count} started ({clock.Elapsed:mm\\:ss})";
            progress.PercentComplete = started * 100 / _requests.Count;
            WriteProgress(progress);
            if (outcome.Run is not null)
            {
                WriteVerbose($"Started {outcome.Run.Namespace}/{outcome.Run.JobName} (run {outcome.Run.RunId}, uid {outcome.Run.Uid}) on context '{outcome.Run.Context}'.");
                WriteObject(outcome.Run);
            }
            else
            {
                WriteE2eError(outcome.Error!);
            }
        }

        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    private async IAsyncEnumerable<(E2eRun? Run, E2eException? Error)> StartAllAsync()
    {
        using var throttle = new SemaphoreSlim(ThrottleLimit);
        var pending = _requests.Select(async request =>
        {
            await throttle.WaitAsync(CancellationToken);
            try
            {
                return ((E2eRun?)await Engine.Cluster.StartAsync(request, CancellationToken), (E2eException?)null);
            }
            catch (E2eException error)
            {
                return (null, error);
            }
            finally
            {
                throttle.Release();
            }
        }).ToList();

        while (pending.Count > 0)
        {
            var next = await Task.WhenAny(pending);
            pending.Remove(next);
            yield return await next;
        }
    }
}
