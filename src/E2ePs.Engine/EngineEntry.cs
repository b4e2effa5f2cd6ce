using E2ePs.Engine.Catalog;
using E2ePs.Contracts;
using E2ePs.Engine.Scaffolding;

namespace E2ePs.Engine;

/// <summary>
/// The engine's entry point. The cmdlet assembly creates it by name, through reflection, inside the
/// private load context; everything it hands out is typed by the cmdlet assembly's contracts.
/// </summary>
public sealed class EngineEntry : IE2eEngine
{
    /// <inheritdoc />
    public IJobScaffolder Scaffolder { get; } = new JobScaffolder();

    /// <inheritdoc />
    public IJobCatalog Catalog { get; } = new JobCatalog();

    /// <inheritdoc />
    public IImageBuilder Images { get; } = new global::E2ePs.Engine.Images.ImageBuilder();

    /// <inheritdoc />
    public IClusterJobs Cluster { get; } = new global::E2ePs.Engine.Cluster.ClusterJobs();

    /// <inheritdoc />
    public IDiagnostics Diagnostics { get; } = new global::E2ePs.Engine.Diagnostics.DiagnosticsEngine();

    /// <inheritdoc />
    public ITestResults Results { get; } = new global::E2ePs.Engine.Results.TestResults(new global::E2ePs.Engine.Images.ImageBuilder());
}
