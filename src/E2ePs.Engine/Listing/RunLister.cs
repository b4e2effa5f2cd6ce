using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Platform;
using E2ePs.Models;
using E2ePs.Naming;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Listing;

/// <summary>
/// Get-E2eRun's engine: two paged lists (Jobs, then their pods), each selected by the e2eps.io/job
/// label, in one namespace or all; each Job with its pods is mapped by <see cref="RunMapper"/> and the
/// query applied by <see cref="RunFilter"/>.
/// </summary>
/// <remarks>
/// Only labelled Jobs are listed: every Job E2ePs has ever written carries e2eps.io/job (New-E2eJob puts
/// it on the manifest's Job and pod template, so a Job applied from the manifest with kubectl has it too).
/// An unlabelled test-*-e2e Job cannot be selected by name on the server (field selectors match whole
/// names, label selectors no names), so finding one would mean listing every Job of the namespace; that
/// costs what the namespace holds, not what E2ePs made, and is not done.
/// </remarks>
public sealed class RunLister(IClusterConnectionFactory connections, IClock clock)
{
    /// <summary>The runs the query asks for, oldest first.</summary>
    public async Task<IReadOnlyList<E2eRun>> ListAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = connections.Get(query.Target);
        // null: every namespace.
        var namespaces = query.AllNamespaces ? [null]
            : query.Namespaces.Count > 0 ? query.Namespaces.Distinct(StringComparer.Ordinal).ToList<string?>()
            : new List<string?> { connection.NamespaceFor(query.Target.Namespace) };
        var runs = new List<E2eRun>();
        foreach (var ns in namespaces)
        {
            runs.AddRange(await ListAsync(connection, ns, Selector(query), cancellationToken));
        }

        return RunFilter.Apply(runs, query);
    }

    /// <summary>The runs of one namespace (all when <paramref name="ns"/> is null), unfiltered.</summary>
    private async Task<IEnumerable<E2eRun>> ListAsync(ClusterConnection connection, string? ns, string selector, CancellationToken cancellationToken)
    {
        var where = ns is null ? "all namespaces" : $"namespace {ns}";
        var jobs = await ListPages.AllAsync(connection, $"list the Jobs labelled {JobLabels.E2eJob} in {where}", ns ?? "", (next, token) => ns is null
            ? connection.Client.BatchV1.ListJobForAllNamespacesAsync(continueParameter: next, labelSelector: selector, limit: connection.ListPageSize, cancellationToken: token)
            : connection.Client.BatchV1.ListNamespacedJobAsync(ns, continueParameter: next, labelSelector: selector, limit: connection.ListPageSize, cancellationToken: token),
            list => (list.Items, list.Metadata?.ContinueProperty), cancellationToken);
        if (jobs.Count == 0)
        {
            return [];
        }

        var pods = await ListPages.AllAsync(connection, $"list the pods labelled {JobLabels.E2eJob} in {where}", ns ?? "", (next, token) => ns is null
            ? connection.Client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, labelSelector: selector, limit: connection.ListPageSize, cancellationToken: token)
            : connection.Client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: next, labelSelector: selector, limit: connection.ListPageSize, cancellationToken: token),
            list => (list.Items, list.Metadata?.ContinueProperty), cancellationToken);
        var podsByJob = pods.GroupBy(JobOwnership.JobUidOf).ToDictionary(g => g.Key ?? "", g => (IReadOnlyCollection<V1Pod>)g.ToList(), StringComparer.Ordinal);
        var now = clock.UtcNow;
        return jobs.Select(job => RunMapper.Map(job, podsByJob.GetValueOrDefault(job.Metadata.Uid ?? "\0") ?? [], connection.Identity, now)).ToList();
    }

    /// <summary>
    /// e2eps.io/job, or e2eps.io/job=&lt;name&gt; when the query names one definition without wildcards, so
    /// the by-name rule of every cmdlet lists only that definition's runs.
    /// </summary>
    private static string Selector(RunQuery query) =>
        // A run id is a label value: the server selects that run alone. A Job's UID (a GUID, or uid-… for a
        // Job without a run id) is matched by the filter.
        query.RunId is { } runId && !Runs.RunIds.IsFromUid(runId) && !Guid.TryParse(runId, out _) && E2ePs.Validation.ValueRules.IsLabelValue(runId)
            ? $"{NameSelector(query)},{JobLabels.RunId}={runId}"
            : NameSelector(query);

    private static string NameSelector(RunQuery query)
    {
        if (query.Names.Count != 1 || E2ePs.Validation.ValueRules.ContainsWildcard(query.Names[0]))
        {
            return JobLabels.E2eJob;
        }

        // A run-named Job's name may hold a cut definition name: its runs are found by Job name instead.
        var parsed = RunJobNames.Parse(query.Names[0]);
        var shortName = parsed is null ? query.Names[0] : parsed.Value.RunJobName is null ? parsed.Value.ShortName : null;
        return shortName is not null && E2ePs.Validation.ValueRules.IsDnsLabel(shortName) ? $"{JobLabels.E2eJob}={shortName}" : JobLabels.E2eJob;
    }
}
