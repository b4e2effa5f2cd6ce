using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>Starts, waits for, reads the logs of and removes E2E jobs in a cluster.</summary>
public interface IClusterJobs
{
    /// <summary>Resolves a target to its cluster without calling the API server; for -WhatIf and messages.</summary>
    ClusterIdentity Resolve(ClusterTarget target);

    /// <summary>
    /// Resolves the commit to check out, applies the ServiceAccount, Role and RoleBinding (server-side
    /// apply) and creates a Job of the run's own (test-&lt;name&gt;-e2e-&lt;run suffix&gt;, labelled with the
    /// definition and the run id); earlier runs are left alone. Checks first, so a failed start changes nothing.
    /// </summary>
    Task<E2eRun> StartAsync(StartJobRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until every run has succeeded or failed, from one list and one watch per namespace; yields
    /// progress as runs change and each run once it has ended.
    /// </summary>
    IAsyncEnumerable<WaitUpdate> WaitAsync(IReadOnlyList<E2eRun> runs, WaitOptions options, CancellationToken cancellationToken);

    /// <summary>Streams the log lines of every pod of a job: init containers first, then the test container.</summary>
    IAsyncEnumerable<E2eLogLine> ReadLogsAsync(LogRequest request, CancellationToken cancellationToken);

    /// <summary>The same lines as <see cref="ReadLogsAsync"/>, as the raw chunks that arrived together: no object per line.</summary>
    IAsyncEnumerable<LogChunk> ReadLogChunksAsync(LogRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes a Job with its pods; with <paramref name="all"/>, also its ServiceAccount, Role and RoleBinding.</summary>
    Task<IReadOnlyList<string>> RemoveAsync(ClusterTarget target, string jobName, bool all, CancellationToken cancellationToken);

    /// <summary>
    /// The runs of E2E jobs in a namespace (or all namespaces): every Job labelled e2eps.io/job, with its
    /// pods, judged as Wait-E2eJob judges them; oldest first, so the newest is last.
    /// </summary>
    Task<IReadOnlyList<E2eRun>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the ServiceAccount, Role and RoleBinding a definition's runs share (named <paramref name="kubernetesName"/>,
    /// test-&lt;name&gt;-e2e), skipping those that do not exist; returns what was deleted.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveAccessAsync(ClusterTarget target, string kubernetesName, CancellationToken cancellationToken);

    /// <summary>Names of the contexts of a kubeconfig (or of KUBECONFIG, or the default file), for tab completion.</summary>
    IReadOnlyList<string> ListContexts(string? kubeconfig);

    /// <summary>Names of the namespaces of a cluster, for tab completion.</summary>
    Task<IReadOnlyList<string>> ListNamespacesAsync(ClusterTarget target, CancellationToken cancellationToken);

    /// <summary>Names of the containers of a Job's pods, init containers first, for tab completion.</summary>
    Task<IReadOnlyList<string>> ListPodContainersAsync(ClusterTarget target, string jobName, CancellationToken cancellationToken);
}
