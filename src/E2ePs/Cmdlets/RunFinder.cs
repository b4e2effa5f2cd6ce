using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Naming;
using E2ePs.Validation;

namespace E2ePs.Cmdlets;

/// <summary>
/// The one rule for finding a run by name, used by every cmdlet that takes -Name of a run (Get-E2eLog,
/// Get-E2eResult, Get-E2eDiagnostic, Remove-E2eJob, Wait-E2eJob):
/// <list type="number">
/// <item>the name is a definition's short name (api), its fixed Kubernetes name (test-api-e2e) or one run's Job name (test-api-e2e-3f9a1c);</item>
/// <item>the namespace is -Namespace when given (so a run started with Start-E2eJob -Namespace x is found with the same -Namespace),
/// else the namespace of the definition in the repository the current location is inside, else the context's;</item>
/// <item>the name means the newest run of the definition (by creation time), or the one -RunId gives.</item>
/// </list>
/// The cluster look-up is the engine's (<see cref="IClusterJobs.ListRunsAsync"/>), so a run found by name
/// is the run Get-E2eRun lists, with the status Wait-E2eJob would give it.
/// </summary>
internal sealed class RunFinder(IE2eEngine engine, string repositoryRoot)
{
    /// <summary>
    /// The definition a name stands for and the Job it names, when it names one run's Job; InvalidJobName
    /// (before any request) when it is none of the three shapes.
    /// </summary>
    public static (string ShortName, string? RunJobName) ParseName(string? name)
    {
        if (RunJobNames.Parse(name) is { } parsed)
        {
            return parsed;
        }

        ValueRules.JobName(name);
        return (name!, null);
    }

    /// <summary>
    /// <paramref name="target"/> with its namespace chosen by the rule: -Namespace, else the definition's
    /// in the repository, else none (the context's).
    /// </summary>
    public ClusterTarget TargetFor(string shortName, ClusterTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!string.IsNullOrEmpty(target.Namespace))
        {
            return target;
        }

        // Only the definition's own manifest is read; a broken one says nothing about the namespace.
        var definition = engine.Catalog.Find(repositoryRoot, [shortName]).Select(r => r.Job).FirstOrDefault(j => j?.Name == shortName);
        return new ClusterTarget
        {
            Kubeconfig = target.Kubeconfig,
            Context = target.Context,
            Namespace = string.IsNullOrEmpty(definition?.Namespace) ? null : definition.Namespace,
        };
    }

    /// <summary>Every run of the named definition (or the one run-named Job), oldest first; none is not an error here.</summary>
    public async Task<(IReadOnlyList<E2eRun> Runs, ClusterTarget Target)> RunsAsync(string name, ClusterTarget target, string? runId, CancellationToken cancellationToken)
    {
        var (shortName, runJobName) = ParseName(name);
        var where = TargetFor(shortName, target);
        var runs = await engine.Cluster.ListRunsAsync(new RunQuery
        {
            Target = where,
            Names = [runJobName ?? shortName],
            RunId = string.IsNullOrEmpty(runId) ? null : runId,
        }, cancellationToken).ConfigureAwait(false);
        // A short-name pattern also matches a Job name equal to it; keep the definition's runs only.
        var own = runs.Where(r => runJobName is not null ? r.JobName == runJobName : r.Name == shortName || r.JobName == shortName).ToList();
        return (own, where);
    }

    /// <summary>The newest run of the named definition (or the run -RunId gives); JobNotStarted, JobNotFound or RunNotFound when there is none.</summary>
    public async Task<E2eRun> NewestAsync(string name, ClusterTarget target, string? runId, CancellationToken cancellationToken)
    {
        var (runs, where) = await RunsAsync(name, target, runId, cancellationToken).ConfigureAwait(false);
        return runs.Count > 0 ? runs[^1] : throw NotFound(name, where, runId);
    }

    /// <summary>
    /// The error of a name that has no run: what was looked for, where, and what to do. A definition of
    /// the repository that was never started there is JobNotStarted (start it first), any other JobNotFound.
    /// </summary>
    public E2eException NotFound(string name, ClusterTarget where, string? runId)
    {
        ArgumentNullException.ThrowIfNull(where);
        var (shortName, runJobName) = ParseName(name);
        var identity = engine.Cluster.Resolve(where);
        var ns = where.Namespace ?? identity.DefaultNamespace;
        var list = $"Get-E2eRun -Name {shortName} -Namespace {ns}";
        if (!string.IsNullOrEmpty(runId))
        {
            return new E2eException("RunNotFound", E2eErrorCategory.ObjectNotFound, runId,
                $"There is no run {runId} of E2E job '{shortName}' in namespace {ns} on context '{identity.Context}'.")
            {
                RecommendedAction = $"List its runs with {list} (or -AllNamespaces); a run removed or past its ttlSecondsAfterFinished is gone.",
            };
        }

        var jobName = runJobName ?? JobLayout.KubernetesName(shortName);
        // Scaffolded here but never started there: the name is right, only the run is missing, and
        // "no such job" would send the user looking for a typo.
        if (runJobName is null && engine.Catalog.Find(repositoryRoot, [shortName]).Any(r => r.Job?.Name == shortName))
        {
            return new E2eException("JobNotStarted", E2eErrorCategory.ObjectNotFound, jobName,
                $"E2E job '{shortName}' is defined in '{repositoryRoot}' but has no run in namespace {ns} on context '{identity.Context}': it has not been started there (or its runs were removed).")
            {
                RecommendedAction = $"Start it first with Start-E2eJob {shortName} (Start-E2eJob {shortName} | Wait-E2eJob waits for the run it starts), or pass -Namespace or -Context if it ran elsewhere.",
            };
        }

        return new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, jobName,
            $"There is no run of E2E job '{shortName}' ({jobName}) in namespace {ns} on context '{identity.Context}'.")
        {
            RecommendedAction = $"List the runs with {list} (or Get-E2eRun -AllNamespaces), pass -Namespace if it runs elsewhere, or start one with Start-E2eJob {shortName}.",
        };
    }
}
