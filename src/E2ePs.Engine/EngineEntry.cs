using E2ePs.Engine.Catalog;
using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Reporting;
using E2ePs.Engine.Scaffolding;

namespace E2ePs.Engine;

/// <summary>
/// The engine's entry point. The cmdlet assembly creates it by name, through reflection, inside the
/// private load context; everything it hands out is typed by the cmdlet assembly's contracts. It is
/// where the components are composed, once, from what they depend on.
/// </summary>
public sealed class EngineEntry : IE2eEngine
{
    /// <summary>The engine over this process's environment, running programs as child processes.</summary>
    public EngineEntry()
        : this(new SystemProcessEnvironment())
    {
    }

    private EngineEntry(SystemProcessEnvironment environment)
        : this(environment, new SystemProcessRunner(environment))
    {
    }

    /// <summary>The engine over <paramref name="environment"/>, starting git and the container engines with <paramref name="processRunner"/>.</summary>
    public EngineEntry(IProcessEnvironment environment, IProcessRunner processRunner)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(processRunner);
        var images = new ImageBuilder(new EngineRunner(processRunner), new RegistryClient(environment), environment);
        Images = images;
        Scaffolder = new JobScaffolder(new GitRepositoryInfo(processRunner, environment), environment);
        Results = new global::E2ePs.Engine.Results.TestResults(images, new ResultReporters(environment));
    }

    /// <inheritdoc />
    public IJobScaffolder Scaffolder { get; }

    /// <inheritdoc />
    public IJobCatalog Catalog { get; } = new JobCatalog();

    /// <inheritdoc />
    public IImageBuilder Images { get; }

    /// <inheritdoc />
    public IClusterJobs Cluster { get; } = new global::E2ePs.Engine.Cluster.ClusterJobs();

    /// <inheritdoc />
    public IDiagnostics Diagnostics { get; } = new global::E2ePs.Engine.Diagnostics.DiagnosticsEngine();

    /// <inheritdoc />
    public ITestResults Results { get; }
}
