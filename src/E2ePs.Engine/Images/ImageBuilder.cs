using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Images;

/// <summary>
/// Build-E2eImage's engine: plans a build (<see cref="BuildPlanner"/>), then runs it
/// (<see cref="ImageBuildRun"/>): builds the job's image without a tag, tags it only once the build has
/// succeeded, pushes the tags and reads back the digest the registry stored. One instance serves a
/// session, so that builds on the same engine storage know of each other (<see cref="WorkingContainers"/>).
/// </summary>
public sealed class ImageBuilder : IImageBuilder
{
    /// <summary>Options placed before every engine subcommand, when the request gives none.</summary>
    public const string EngineArgumentsVariable = "E2EPS_ENGINE_ARGS";

    /// <summary>Extra options of the build command, when the request gives none.</summary>
    public const string BuildOptionsVariable = "E2EPS_BUILD_ARGS";

    /// <summary>Label that records which job an image was built for.</summary>
    public const string JobLabel = "io.e2eps.job";

    private readonly BuildPlanner _planner;
    private readonly EngineRunner _engines;
    private readonly RegistryClient _registry;
    private readonly WorkingContainers _workingContainers = new();

    /// <summary>A builder that runs engines with <paramref name="engines"/> and reads options and PATH from <paramref name="environment"/>.</summary>
    public ImageBuilder(EngineRunner engines, RegistryClient registry, IProcessEnvironment environment)
    {
        _engines = engines ?? throw new ArgumentNullException(nameof(engines));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _planner = new BuildPlanner(environment ?? throw new ArgumentNullException(nameof(environment)));
    }

    /// <inheritdoc />
    public ImageBuildPlan Plan(ImageBuildRequest request) => _planner.Plan(request);

    /// <inheritdoc />
    public string ComputeContentTag(string contextPath, string dockerfilePath, IReadOnlyDictionary<string, string>? buildArguments) =>
        ContentTag.Compute(contextPath, dockerfilePath, buildArguments);

    /// <inheritdoc />
    public Task<RegistryImage> InspectRegistryAsync(string reference, bool skipTlsVerify, CancellationToken cancellationToken) =>
        _registry.InspectAsync(reference, skipTlsVerify, cancellationToken);

    /// <inheritdoc />
    public ImageBuildOperation Start(ImageBuildPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var channel = Channel.CreateUnbounded<ImageBuildEvent>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        var run = new ImageBuildRun(plan, _engines, _workingContainers, new BuildEventWriter(channel.Writer), cancellationToken);
        var completion = Task.Run(run.RunAsync, CancellationToken.None);
        return new ImageBuildOperation(plan, channel.Reader, completion);
    }
}
