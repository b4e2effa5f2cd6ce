using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>Finds job definitions in a repository and reads them back from their manifests.</summary>
public interface IJobCatalog
{
    /// <summary>
    /// Yields one result per manifest deploy/k8s/99-test-*-e2e.yaml whose short name matches one of
    /// <paramref name="namePatterns"/> (wildcards allowed; empty means all). A broken manifest yields a
    /// result with an error instead of a job, so the other jobs are still returned.
    /// </summary>
    IEnumerable<JobReadResult> Find(string repositoryRoot, IReadOnlyList<string> namePatterns);

    /// <summary>Short names of the jobs in a repository, from file names alone (cheap enough for tab completion).</summary>
    IReadOnlyList<string> ListNames(string repositoryRoot);

    /// <summary>Reads one manifest file.</summary>
    JobReadResult Read(string manifestPath, string repositoryRoot);

    /// <summary>The container names of a manifest's pod, init containers first; none when it cannot be read (for tab completion).</summary>
    IReadOnlyList<string> ListContainers(string manifestPath);
}

/// <summary>A job read from a manifest, or the reason it could not be read.</summary>
public sealed class JobReadResult
{
    private JobReadResult(E2eJob? job, E2eException? error)
    {
        Job = job;
        Error = error;
    }

    /// <summary>The job, when the manifest was read.</summary>
    public E2eJob? Job { get; }

    /// <summary>The error, when it was not.</summary>
    public E2eException? Error { get; }

    /// <summary>A successful read.</summary>
    public static JobReadResult Success(E2eJob job) => new(job, null);

    /// <summary>A failed read.</summary>
    public static JobReadResult Failure(E2eException error) => new(null, error);
}
