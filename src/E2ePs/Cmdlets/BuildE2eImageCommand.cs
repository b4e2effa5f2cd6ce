using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading.Channels;
using E2ePs.Completion;
using E2ePs.Contracts;
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

    // Every running build forwards its events, then its end, into this channel; the pipeline thread drains it.
    private readonly Channel<BuildMessage> _messages = Channel.CreateUnbounded<BuildMessage>(new UnboundedChannelOptions { SingleReader = true });
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

    /// <summary>
    /// podman, docker or buildah; E2EPS_BUILD_ENGINE, else the first found on PATH in that order. Named
    /// for what it is (every cmdlet's Engine is E2ePs's own); -Engine, its former name, still binds.
    /// </summary>
    [Parameter]
    [Alias("Engine")]
    [ValidateSet("podman", "docker", "buildah")]
    public string? ContainerEngine { get; set; }

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
    public IDictionary? BuildArg { get; set; }

    /// <summary>Labels of the image: @{ 'org.opencontainers.image.source' = '...' }.</summary>
    [Parameter]
    public IDictionary? Label { get; set; }

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

    private static IImageBuilder Images => Engine.Images;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var piped = ParameterSetName == InputObjectSet ? InputObject : null;
        foreach (var job in ResolveJobs(piped, JobNames(Name, PipedFolder), Path, allWhenUnnamed: true))
        {
            if (Plan(job) is { } plan && ShouldBuild(plan))
            {
                Start(plan);
            }
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing() => WriteBuilds(untilAll: true);

    /// <summary>The build of <paramref name="job"/>: engine, tags and command line; null after an error for this job alone.</summary>
    private ImageBuildPlan? Plan(E2eJob job)
    {
        try
        {
            var plan = Images.Plan(new ImageBuildRequest
            {
                Job = job,
                Engine = ContainerEngine,
                Tags = Tag ?? [],
                ContentTag = ContentTag,
                Push = Push,
                SkipTlsVerify = SkipTlsVerify,
                BuildArguments = TableParameter.ToDictionary(BuildArg),
                Labels = TableParameter.ToDictionary(Label),
                NoCache = NoCache,
                Platform = Platform,
                EngineArguments = EngineArgument,
                BuildOptions = BuildOption,
            });
            WriteVerbose($"{job.JobName}: {plan.BuildCommandLine}");
            return plan;
        }
        catch (E2eException error) when (error.ErrorId is "ContainerEngineNotFound" or "UnknownContainerEngine")
        {
            // No job can be built without an engine: stop rather than repeat the error for each.
            ThrowE2eError(error);
            return null;
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return null;
        }
    }

    private bool ShouldBuild(ImageBuildPlan plan)
    {
        if (plan.Engine == "docker" && SkipTlsVerify)
        {
            WriteWarning("docker has no per-command -SkipTlsVerify: add the registry to insecure-registries in the docker daemon's configuration instead.");
        }

        var tags = string.Join(", ", plan.Tags);
        return ShouldProcess(plan.Job.JobName, Push
            ? $"Build with {plan.Engine} from '{plan.DockerfilePath}', tag and push {tags}"
            : $"Build with {plan.Engine} from '{plan.DockerfilePath}' and tag {tags}");
    }

    /// <summary>Starts a build once fewer than -ThrottleLimit run; with one at a time, writes its image before the next job arrives.</summary>
    private void Start(ImageBuildPlan plan)
    {
        if (_running.Count >= ThrottleLimit)
        {
            WriteBuilds(untilAll: false);
        }

        var build = new RunningBuild(Images.Start(plan, CancellationToken), _nextActivityId++);
        _running.Add(build);
        // Ctrl+C: the token stops the engine (SIGTERM, SIGKILL after a grace) and the build removes the
        // working container it left; the base class waits for that, or `pwsh -File` could exit in the middle.
        TrackWork(build.Operation.Completion);
        _ = ForwardAsync(build);
        if (ThrottleLimit == 1)
        {
            WriteBuilds(untilAll: true);
        }
    }

    /// <summary>Runs off the pipeline thread: passes a build's events, then its end, to the channel the pipeline thread drains.</summary>
    private async Task ForwardAsync(RunningBuild build)
    {
        try
        {
            await foreach (var item in build.Operation.Events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                _messages.Writer.TryWrite(new BuildMessage(build, item));
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The build's outcome says what went wrong; its events only narrate.
        }

        await build.Operation.Completion.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        _messages.Writer.TryWrite(new BuildMessage(build, null));
    }

    /// <summary>
    /// Writes what the running builds report, on the pipeline thread, until one build (or every build)
    /// has finished; with nothing new for a while, keeps each build's elapsed time moving.
    /// </summary>
    private void WriteBuilds(bool untilAll)
    {
        if (_running.Count == 0)
        {
            return;
        }

        foreach (var message in Drain(_messages.Reader, s_progressInterval))
        {
            if (message is null)
            {
                _running.ForEach(WriteBuildProgress);
            }
            else if (message.Event is { } item)
            {
                Handle(message.Build, item);
            }
            else
            {
                _running.Remove(message.Build);
                Finish(message.Build);
                if (_running.Count == 0 || !untilAll)
                {
                    return;
                }
            }
        }
    }

    private void Handle(RunningBuild build, ImageBuildEvent item)
    {
        var prefix = ThrottleLimit > 1 ? build.Operation.Plan.Job.JobName + ": " : "";
        WriteVerbose($"{prefix}{item.Text}");
        if (!item.IsCommand)
        {
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
            // The build has ended (its end came through the channel after its last event): this reads its outcome.
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

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..97] + "...";

    /// <summary>An event of a build, or (Event null) the end of the build.</summary>
    private sealed record BuildMessage(RunningBuild Build, ImageBuildEvent? Event);

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
