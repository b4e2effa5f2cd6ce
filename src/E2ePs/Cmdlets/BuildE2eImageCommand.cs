using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Loading;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Build-E2eImage: builds a job's image with podman, docker or buildah from the repository root, tags
/// it only when the build succeeded, optionally pushes it, and returns an E2eImage whose Reference
/// names the pushed digest, so that Start-E2eJob runs exactly the image just built.
/// </summary>
// "Build" is an approved verb since PowerShell 6; PowerShellStandard 5.1 has no constant for it.
[Cmdlet("Build", "E2eImage", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "Build-E2eImage.md")]
[OutputType(typeof(E2eImage))]
public sealed class BuildE2eImageCommand : E2eCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(1);

    private readonly List<RunningBuild> _running = [];
    private int _nextActivityId = 1;

    /// <summary>Jobs from Get-E2eJob or New-E2eJob.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public E2eJob[] InputObject { get; set; } = [];

    /// <summary>Short names of the jobs to build; wildcards allowed. All jobs of the repository by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Root of the repository; the current location by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("PSPath", "FullName")]
    public string? Path { get; set; }

    /// <summary>
    /// Hidden: the PSIsContainer of a piped file-system item. A folder piped in binds to -Path through
    /// its FullName; this tells its Name (the folder's) from a job name.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("PSIsContainer")]
    public bool PipedFolder { get; set; }

    /// <summary>podman, docker or buildah; E2EPS_BUILD_ENGINE, else the first found on PATH in that order.</summary>
    [Parameter]
    [ValidateSet("podman", "docker", "buildah")]
    public new string? Engine { get; set; }

    /// <summary>Tags (applied to the job's repository) or full references, instead of the job's image.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Tag { get; set; }

    /// <summary>Also tag the image content-&lt;hash of the Dockerfile and the files it copies&gt;.</summary>
    [Parameter]
    public SwitchParameter ContentTag { get; set; }

    /// <summary>Push every tag to the registry and return the image by digest.</summary>
    [Parameter]
    public SwitchParameter Push { get; set; }

    /// <summary>Reach the registry over plain HTTP or without verifying its certificate (podman and buildah).</summary>
    [Parameter]
    public SwitchParameter SkipTlsVerify { get; set; }

    /// <summary>Build arguments: @{ NAME = 'value' }.</summary>
    [Parameter]
    public Hashtable? BuildArg { get; set; }

    /// <summary>Labels of the image: @{ 'org.opencontainers.image.source' = '...' }.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Build without the layer cache.</summary>
    [Parameter]
    public SwitchParameter NoCache { get; set; }

    /// <summary>Target platform, for example linux/arm64.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Platform { get; set; }

    /// <summary>Options put before every engine subcommand (storage options); E2EPS_ENGINE_ARGS by default.</summary>
    [Parameter]
    public string[]? EngineArgument { get; set; }

    /// <summary>Extra options of the build command only; E2EPS_BUILD_ARGS by default.</summary>
    [Parameter]
    public string[]? BuildOption { get; set; }

    /// <summary>How many builds run at once; 1 (one after another) by default.</summary>
    [Parameter]
    [ValidateRange(1, 32)]
    public int ThrottleLimit { get; set; } = 1;

    private static IImageBuilder Images => EngineHost.Engine.Images;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var jobs = ParameterSetName == InputObjectSet ? InputObject : ResolveJobs();
        foreach (var job in jobs)
        {
            Begin(job);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing() => Pump(untilAll: true);

    private IEnumerable<E2eJob> ResolveJobs()
    {
        var root = ResolveFileSystemPath(Path);
        if (!Directory.Exists(root))
        {
            WriteE2eError(new E2eException("RepositoryNotFound", E2eErrorCategory.ObjectNotFound, root,
                $"The repository folder '{root}' does not exist.")
            {
                RecommendedAction = "Pass the root of your repository with -Path, or run the command from it.",
            });
            yield break;
        }

        // The names and patterns Get-E2eJob takes, found the same way.
        foreach (var job in FindJobs(root, JobNames(Name, PipedFolder)))
        {
            yield return job;
        }
    }

    private void Begin(E2eJob job)
    {
        ImageBuildPlan plan;
        try
        {
            plan = Images.Plan(new ImageBuildRequest
            {
                Job = job,
                Engine = Engine,
                Tags = Tag ?? [],
                ContentTag = ContentTag,
                Push = Push,
                SkipTlsVerify = SkipTlsVerify,
                BuildArguments = ToDictionary(BuildArg),
                Labels = ToDictionary(Label),
                NoCache = NoCache,
                Platform = Platform,
                EngineArguments = EngineArgument,
                BuildOptions = BuildOption,
            });
        }
        catch (E2eException error) when (error.ErrorId is "ContainerEngineNotFound" or "UnknownContainerEngine")
        {
            // No job can be built without an engine: stop rather than repeat the error for each.
            ThrowE2eError(error);
            return;
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return;
        }

        WriteVerbose($"{job.JobName}: {plan.BuildCommandLine}");
        if (plan.Engine == "docker" && SkipTlsVerify)
        {
            WriteWarning("docker has no per-command -SkipTlsVerify: add the registry to insecure-registries in the docker daemon's configuration instead.");
        }

        var tags = string.Join(", ", plan.Tags);
        var action = Push
            ? $"Build with {plan.Engine} from '{plan.DockerfilePath}', tag and push {tags}"
            : $"Build with {plan.Engine} from '{plan.DockerfilePath}' and tag {tags}";
        if (!ShouldProcess(job.JobName, action))
        {
            return;
        }

        while (_running.Count >= ThrottleLimit)
        {
            Pump(untilAll: false);
        }

        _running.Add(new RunningBuild(Images.Start(plan, CancellationToken), _nextActivityId++));
        if (ThrottleLimit == 1)
        {
            // One at a time: write the image as soon as it exists, before the next job arrives.
            Pump(untilAll: true);
        }
    }

    /// <summary>
    /// Drains the running builds' output on the pipeline thread, the only one that may write to
    /// PowerShell's streams, until one build (or every build) has finished.
    /// </summary>
    private void Pump(bool untilAll)
    {
        try
        {
            while (_running.Count > 0)
            {
                var finished = 0;
                foreach (var build in _running.ToList())
                {
                    while (build.Operation.Events.TryRead(out var item))
                    {
                        Handle(build, item);
                    }

                    if (build.Operation.Events.Completion.IsCompleted && build.Operation.Completion.IsCompleted)
                    {
                        _running.Remove(build);
                        Finish(build);
                        finished++;
                    }
                }

                if (_running.Count == 0 || (!untilAll && finished > 0))
                {
                    return;
                }

                var waits = _running.Select(b => b.Operation.Events.Completion.IsCompleted
                    ? (Task)b.Operation.Completion
                    : b.Operation.Events.WaitToReadAsync(CancellationToken).AsTask()).ToArray();
                if (Task.WaitAny(waits, (int)s_progressInterval.TotalMilliseconds, CancellationToken) != -1)
                {
                    continue;
                }

                // Nothing new for a while: keep the elapsed time moving.
                foreach (var build in _running)
                {
                    WriteBuildProgress(build);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the token stops the engines (SIGTERM, SIGKILL after a grace) and the builds remove
            // the working containers they left; wait for that, or `pwsh -File` could exit in the middle.
            Task.WaitAll([.. _running.Select(b => b.Operation.Completion.ContinueWith(_ => { }, TaskScheduler.Default))], TimeSpan.FromSeconds(30));
            _running.Clear();
            throw new PipelineStoppedException();
        }
    }

    private void Handle(RunningBuild build, ImageBuildEvent item)
    {
        var prefix = ThrottleLimit > 1 ? build.Operation.Plan.Job.JobName + ": " : "";
        if (item.IsCommand)
        {
            WriteVerbose($"{prefix}{item.Text}");
        }
        else
        {
            WriteVerbose($"{prefix}{item.Text}");
            var record = new InformationRecord(item.Text, $"{build.Operation.Plan.Engine} ({build.Operation.Plan.Job.JobName})");
            record.Tags.Add("E2ePs");
            record.Tags.Add("Build");
            record.Tags.Add(item.IsError ? "stderr" : "stdout");
            WriteInformation(record);
        }

        var changed = item.Phase != build.Phase;
        build.Phase = item.Phase;
        if (item.Step > 0)
        {
            build.Step = item.Step;
            build.StepCount = item.StepCount;
            build.StepText = item.Text;
            changed = true;
        }
        else if (item.IsCommand && item.Phase != ImageBuildPhase.Building)
        {
            build.StepText = item.Text;
            changed = true;
        }

        if (changed || build.SinceProgress.Elapsed >= s_progressInterval)
        {
            WriteBuildProgress(build);
        }
    }

    private void WriteBuildProgress(RunningBuild build)
    {
        var plan = build.Operation.Plan;
        var elapsed = build.Clock.Elapsed;
        var step = build.Phase == ImageBuildPhase.Building && build.StepCount > 0
            ? string.Create(CultureInfo.InvariantCulture, $"step {build.Step}/{build.StepCount}, ")
            : "";
        var record = new ProgressRecord(build.ActivityId, $"Building {plan.Job.JobName} with {plan.Engine}",
            string.Create(CultureInfo.InvariantCulture, $"{build.Phase}: {step}{elapsed:hh\\:mm\\:ss} elapsed"))
        {
            CurrentOperation = Shorten(build.StepText),
            PercentComplete = build.Phase switch
            {
                ImageBuildPhase.Building when build.StepCount > 0 => Math.Min(90, 90 * build.Step / build.StepCount),
                ImageBuildPhase.Tagging => 92,
                ImageBuildPhase.Pushing => 95,
                _ => -1,
            },
        };
        WriteProgress(record);
        build.SinceProgress.Restart();
    }

    private void Finish(RunningBuild build)
    {
        var plan = build.Operation.Plan;
        WriteProgress(new ProgressRecord(build.ActivityId, $"Building {plan.Job.JobName} with {plan.Engine}", "Done")
        {
            RecordType = ProgressRecordType.Completed,
        });
        try
        {
            var image = build.Operation.Completion.GetAwaiter().GetResult();
            WriteVerbose(string.Create(CultureInfo.InvariantCulture,
                $"{plan.Job.JobName}: {(image.Pushed ? "built and pushed" : "built")} {image.Reference} in {image.Duration.TotalSeconds:0.0}s"));
            WriteObject(image);
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    private static Dictionary<string, string> ToDictionary(Hashtable? table)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null)
        {
            return result;
        }

        foreach (DictionaryEntry entry in table)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            result[key] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }

        return result;
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..97] + "...";

    private sealed class RunningBuild(ImageBuildOperation operation, int activityId)
    {
        public ImageBuildOperation Operation { get; } = operation;

        public int ActivityId { get; } = activityId;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public Stopwatch SinceProgress { get; } = Stopwatch.StartNew();

        public ImageBuildPhase Phase { get; set; }

        public int Step { get; set; }

        public int StepCount { get; set; }

        public string StepText { get; set; } = "";
    }
}
