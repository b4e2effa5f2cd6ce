using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Listing;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;

namespace E2ePs.Engine.Cluster;

/// <summary>The cluster half of the engine, as the cmdlets see it: the starter, waiter and log reader it is given, over one connection factory.</summary>
public sealed class ClusterJobs(IClusterConnectionFactory connections, JobStarter starter, JobWaiter waiter, LogReader logReader, RunLister runLister) : IClusterJobs
{
    /// <inheritdoc />
    public ClusterIdentity Resolve(ClusterTarget target) => connections.Get(target).Identity;

    /// <inheritdoc />
    public Task<E2eRun> StartAsync(StartJobRequest request, CancellationToken cancellationToken) =>
        starter.StartAsync(request, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<WaitUpdate> WaitAsync(IReadOnlyList<E2eRun> runs, WaitOptions options, CancellationToken cancellationToken) =>
        waiter.WaitAsync(runs, options, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<E2eLogLine> ReadLogsAsync(LogRequest request, CancellationToken cancellationToken) =>
        logReader.ReadAsync(request, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<LogChunk> ReadLogChunksAsync(LogRequest request, CancellationToken cancellationToken) =>
        logReader.ReadChunksAsync(request, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RemoveAsync(ClusterTarget target, string jobName, bool all, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var connection = connections.Get(target);
        var ns = connection.NamespaceFor(target.Namespace);
        var client = connection.Client;
        var removed = new List<string>();
        var existed = await ExistsAsync(connection, $"read Job {jobName} in namespace {ns}", jobName,
            () => client.BatchV1.ReadNamespacedJobAsync(jobName, ns, cancellationToken: cancellationToken));
        if (existed)
        {
            await JobDeletion.DeleteAndWaitAsync(connection, ns, jobName, cancellationToken);
            removed.Add($"Job/{jobName}");
        }

        if (all)
        {
            await DeleteIgnoringMissingAsync(connection, $"RoleBinding/{jobName}", removed,
                () => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(jobName, ns, cancellationToken: cancellationToken));
            await DeleteIgnoringMissingAsync(connection, $"Role/{jobName}", removed,
                () => client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(jobName, ns, cancellationToken: cancellationToken));
            await DeleteIgnoringMissingAsync(connection, $"ServiceAccount/{jobName}", removed,
                () => client.CoreV1.DeleteNamespacedServiceAccountAsync(jobName, ns, cancellationToken: cancellationToken));
        }

        if (removed.Count == 0)
        {
            throw new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, jobName,
                $"There is no Job {jobName} in namespace {ns} on context '{connection.Identity.Context}'.")
            {
                RecommendedAction = "Check the name and the namespace (-Namespace); Get-E2eJob lists the jobs of the repository.",
            };
        }

        return removed;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<E2eRun>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken) =>
        runLister.ListAsync(query, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RemoveAccessAsync(ClusterTarget target, string kubernetesName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var connection = connections.Get(target);
        var ns = connection.NamespaceFor(target.Namespace);
        var client = connection.Client;
        var removed = new List<string>();
        await DeleteIgnoringMissingAsync(connection, $"RoleBinding/{kubernetesName}", removed,
            () => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(kubernetesName, ns, cancellationToken: cancellationToken));
        await DeleteIgnoringMissingAsync(connection, $"Role/{kubernetesName}", removed,
            () => client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(kubernetesName, ns, cancellationToken: cancellationToken));
        await DeleteIgnoringMissingAsync(connection, $"ServiceAccount/{kubernetesName}", removed,
            () => client.CoreV1.DeleteNamespacedServiceAccountAsync(kubernetesName, ns, cancellationToken: cancellationToken));
        return removed;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListContexts(string? kubeconfig) => connections.ContextNames(kubeconfig);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListNamespacesAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var connection = connections.Get(target);
        var names = await ListPages.AllAsync(connection, "list namespaces", "",
            (next, token) => connection.Client.CoreV1.ListNamespaceAsync(continueParameter: next, limit: connection.ListPageSize, cancellationToken: token),
            list => (list.Items, list.Metadata?.ContinueProperty), cancellationToken);
        return names.Select(n => n.Metadata.Name).Order(StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListPodContainersAsync(ClusterTarget target, string jobName, CancellationToken cancellationToken)
    {
        var connection = connections.Get(target);
        // The label the Job controller puts on its pods (kubernetes/kubernetes pkg/controller/job/job_controller.go, batch.kubernetes.io/job-name).
        var ns = connection.NamespaceFor(target.Namespace);
        var pods = await ListPages.PodsAsync(connection, ns, $"batch.kubernetes.io/job-name={jobName}", $"list the pods of Job {jobName} in namespace {ns}", jobName, cancellationToken);
        return pods
            .SelectMany(p => (p.Spec?.InitContainers ?? []).Concat(p.Spec?.Containers ?? []))
            .Select(c => c.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static async Task<bool> ExistsAsync<T>(ClusterConnection connection, string action, string target, Func<Task<T>> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            return false;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, action, target);
        }
    }

    private static async Task DeleteIgnoringMissingAsync<T>(ClusterConnection connection, string what, List<string> removed, Func<Task<T>> delete)
    {
        try
        {
            await delete();
            removed.Add(what);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"delete {what}", what);
        }
    }
}
