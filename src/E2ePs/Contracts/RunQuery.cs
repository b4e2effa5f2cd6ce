using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>Which runs Get-E2eRun (and the by-name rule of every cmdlet) asks the cluster for.</summary>
public sealed class RunQuery
{
    /// <summary>The cluster; its Namespace is the one to list (else the context's), unless <see cref="AllNamespaces"/>.</summary>
    public ClusterTarget Target { get; set; } = new();

    /// <summary>
    /// Names of definitions or Jobs, with PowerShell wildcards: a pattern matches a run's short name
    /// (the e2eps.io/job label) or its Job's Kubernetes name (fixed test-&lt;name&gt;-e2e or run-named). All runs when empty.
    /// </summary>
    public IReadOnlyList<string> Names { get; set; } = [];

    /// <summary>Only runs with one of these statuses; all when empty.</summary>
    public IReadOnlyList<E2eRunStatus> Status { get; set; } = [];

    /// <summary>Only the run of this run id (or of this Job UID).</summary>
    public string? RunId { get; set; }

    /// <summary>Only the newest N runs (after the other filters); all when null.</summary>
    public int? Last { get; set; }

    /// <summary>
    /// Namespaces to list, when more than the target's one: those of a repository's definitions, so
    /// Get-E2eRun in a repository lists its runs wherever its manifests put them. Ignored when empty.
    /// </summary>
    public IReadOnlyList<string> Namespaces { get; set; } = [];

    /// <summary>List every namespace the user may list Jobs in, not only the target's.</summary>
    public bool AllNamespaces { get; set; }
}
