namespace E2ePs.Contracts;

/// <summary>
/// The engine's surface, as seen from the cmdlet assembly. The engine assembly implements it and is
/// loaded into E2ePs's private AssemblyLoadContext; the cmdlets only ever talk to these interfaces,
/// so no type from KubernetesClient or YamlDotNet crosses into PowerShell's default context.
/// </summary>
public interface IE2eEngine
{
    /// <summary>Writes job definitions (Dockerfile, runner, manifest).</summary>
    IJobScaffolder Scaffolder { get; }

    /// <summary>Finds and reads job definitions in a repository.</summary>
    IJobCatalog Catalog { get; }

    /// <summary>Builds, tags and pushes job images with podman, docker or buildah.</summary>
    IImageBuilder Images { get; }

    /// <summary>Starts, waits for, reads the logs of and removes jobs in a cluster.</summary>
    IClusterJobs Cluster { get; }

    /// <summary>Checks service names from inside the cluster and diagnoses jobs that fail or do not start.</summary>
    IDiagnostics Diagnostics { get; }

    /// <summary>Reads test results out of run logs, runs jobs end to end for CI, and reports to CI systems.</summary>
    ITestResults Results { get; }
}
