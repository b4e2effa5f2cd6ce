using System.Net;
using System.Runtime.CompilerServices;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Logs;

/// <summary>
/// Get-E2eLog's engine: every pod of a Job in creation order, init containers first, then the test
/// container. Lines stream as they arrive and are never collected. Each container's log is read by
/// <see cref="ContainerLogReader"/>, which resumes a dropped stream, so no line is lost or repeated.
/// With a uid, a Job of that name with another uid is a replaced run (<see cref="RunIdentity"/>).
/// </summary>
public sealed class LogReader(IClusterConnectionFactory connections)
{
    /// <summary>Streams the lines of a job's pods.</summary>
    public IAsyncEnumerable<E2eLogLine> ReadAsync(LogRequest request, CancellationToken cancellationToken) =>
        ReadContainersAsync(request, static (reader, request, startedAt, token) => MarkRotation(reader.ReadAsync(request, token), startedAt), cancellationToken);

    /// <summary>Streams the lines of a job's pods as the raw chunks that arrived together (the byte path of -Raw and -OutFile).</summary>
    public IAsyncEnumerable<LogChunk> ReadChunksAsync(LogRequest request, CancellationToken cancellationToken) =>
        ReadContainersAsync(request, static (reader, request, _, token) => reader.ReadChunksAsync(request, token), cancellationToken);

    /// <summary>Marks a container's first line when the lines before it were rotated away (<see cref="LogRotation"/>).</summary>
    private static async IAsyncEnumerable<E2eLogLine> MarkRotation(IAsyncEnumerable<E2eLogLine> lines, DateTimeOffset? startedAt)
    {
        var first = true;
        await foreach (var line in lines)
        {
            if (first)
            {
                first = false;
                line.EarlierLinesRotated = LogRotation.EarlierLinesGone(startedAt, line.Timestamp);
            }

            yield return line;
        }
    }

    private async IAsyncEnumerable<T> ReadContainersAsync<T>(
        LogRequest request, Func<ContainerLogReader, LogRequest, DateTimeOffset?, CancellationToken, IAsyncEnumerable<T>> read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = connections.Get(request.Target);
        var ns = connection.NamespaceFor(request.Target.Namespace);
        var selector = string.IsNullOrEmpty(request.Uid)
            ? $"batch.kubernetes.io/job-name={request.JobName}"
            : $"batch.kubernetes.io/controller-uid={request.Uid}";
        var done = new HashSet<string>(StringComparer.Ordinal);

        while (true)
        {
            var pod = request.Follow
                ? await NextPodAsync(connection, ns, request.JobName, request.Uid, selector, done, cancellationToken)
                : null;
            var pods = request.Follow
                ? pod is null ? [] : [pod]
                : await ListPodsAsync(connection, ns, request.JobName, request.Uid, selector, cancellationToken);
            if (pods.Count == 0)
            {
                yield break;
            }

            foreach (var current in pods)
            {
                done.Add(current.Metadata.Name);
                var containers = Containers(current, request.Container).ToList();
                if (containers.Count == 0)
                {
                    var names = Containers(current, null).Select(c => c.Name);
                    throw new E2eException("ContainerNotFound", E2eErrorCategory.ObjectNotFound, request.Container,
                        $"Pod {current.Metadata.Name} of Job {request.JobName} has no container '{request.Container}'.")
                    {
                        RecommendedAction = $"Use -Container with one of: {string.Join(", ", names)}.",
                    };
                }

                foreach (var (container, isInit) in containers)
                {
                    if (request.Follow && !await ContainerStartedAsync(connection, ns, current.Metadata.Name, container, cancellationToken))
                    {
                        continue;
                    }

                    // Only a read from the start of the log can tell that its beginning was rotated away.
                    var startedAt = request.Tail is null && request.Since is null ? StartedAt(current, container) : null;
                    await foreach (var item in read(new ContainerLogReader(connection, ns, current.Metadata.Name, container, isInit), request, startedAt, cancellationToken))
                    {
                        yield return item;
                    }
                }
            }

            if (!request.Follow)
            {
                yield break;
            }
        }
    }

    private static IEnumerable<(string Name, bool IsInit)> Containers(V1Pod pod, string? only) =>
        (pod.Spec.InitContainers ?? []).Select(c => (c.Name, true))
            .Concat((pod.Spec.Containers ?? []).Select(c => (c.Name, false)))
            .Where(c => only is null || string.Equals(c.Name, only, StringComparison.Ordinal));

    private static async Task<List<V1Pod>> ListPodsAsync(ClusterConnection connection, string ns, string jobName, string? uid, string selector, CancellationToken cancellationToken)
    {
        var pods = await ListPages.PodsAsync(connection, ns, selector, $"list the pods of Job {jobName} in namespace {ns}", jobName, cancellationToken);
        if (pods.Count == 0)
        {
            await EnsureJobExistsAsync(connection, ns, jobName, uid, cancellationToken);
        }

        return pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The oldest pod not yet read; waits (watching, not polling) for one that is still being created,
    /// and returns null once the Job has ended and every pod was read.
    /// </summary>
    private static async Task<V1Pod?> NextPodAsync(ClusterConnection connection, string ns, string jobName, string? uid, string selector, HashSet<string> done, CancellationToken cancellationToken)
    {
        await EnsureJobExistsAsync(connection, ns, jobName, uid, cancellationToken);
        using var found = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        V1Pod? next = null;
        var jobEnded = false;
        var gate = new object();
        var pods = new Dictionary<string, V1Pod>(StringComparer.Ordinal);

        void Decide()
        {
            var candidate = pods.Values.Where(p => !done.Contains(p.Metadata.Name))
                .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
            if (candidate is not null || jobEnded)
            {
                next = candidate;
                found.Cancel();
            }
        }

        var watches = Task.WhenAll(
            WatchLoop.PodsAsync(connection.Client, ns, selector, null, (type, pod) =>
            {
                lock (gate)
                {
                    if (type != WatchEventType.Deleted)
                    {
                        pods[pod.Metadata.Name] = pod;
                    }

                    Decide();
                }
            }, null, found.Token),
            WatchLoop.JobsAsync(connection.Client, ns, null, $"metadata.name={jobName}", (type, job) =>
            {
                lock (gate)
                {
                    jobEnded = type == WatchEventType.Deleted || (job.Status?.Conditions ?? []).Any(c => c.Status == "True" && c.Type is "Complete" or "Failed");
                    if (jobEnded)
                    {
                        Decide();
                    }
                }
            }, null, found.Token, onListed: listing =>
            {
                // A Job deleted (or replaced by a namesake) while the watch was down sends no DELETED event:
                // only its absence from the re-list says that it has ended.
                lock (gate)
                {
                    if (!listing.Items.Any(j => string.IsNullOrEmpty(uid) || j.Metadata.Uid == uid))
                    {
                        jobEnded = true;
                        Decide();
                    }
                }
            }));
        try
        {
            await watches;
        }
        catch (OperationCanceledException) when (found.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, connection, $"watch the pods of Job {jobName} in namespace {ns}", jobName);
        }

        if (next is null && jobEnded)
        {
            // The two watches race: the Job's list can report the end before the pods' list has
            // arrived, which would end a follow of a finished Job without a line. Ask for the pods once.
            var listed = await ListPages.PodsAsync(connection, ns, selector, $"list the pods of Job {jobName} in namespace {ns}", jobName, cancellationToken);
            next = listed.Where(p => !done.Contains(p.Metadata.Name))
                .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
        }

        return next;
    }

    private static async Task EnsureJobExistsAsync(ClusterConnection connection, string ns, string jobName, string? uid, CancellationToken cancellationToken)
    {
        V1Job job;
        try
        {
            job = await connection.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            throw new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, jobName,
                $"There is no Job {jobName} in namespace {ns} on context '{connection.Identity.Context}'.", error)
            {
                RecommendedAction = "Start it with Start-E2eJob; a finished Job is deleted after its ttlSecondsAfterFinished.",
            };
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read Job {jobName} in namespace {ns}", jobName);
        }

        RunIdentity.EnsureSameRun(job, uid, ns, jobName);
    }

    private static async Task<bool> ContainerStartedAsync(ClusterConnection connection, string ns, string pod, string container, CancellationToken cancellationToken)
    {
        var state = await WaitForContainerAsync(connection, ns, pod, container, s => s.State?.Running is not null || s.State?.Terminated is not null, cancellationToken);
        return state is not null;
    }

    /// <summary>Watches the pod until its container matches <paramref name="ready"/>; null when the pod ended without it.</summary>
    internal static async Task<V1ContainerStatus?> WaitForContainerAsync(ClusterConnection connection, string ns, string pod, string container, Func<V1ContainerStatus, bool> ready, CancellationToken cancellationToken)
    {
        using var decided = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        V1ContainerStatus? result = null;
        try
        {
            await WatchLoop.PodsAsync(connection.Client, ns, null, $"metadata.name={pod}", (type, current) =>
            {
                var status = ContainerStatus(current, container);
                if (status is not null && ready(status))
                {
                    result = status;
                    decided.Cancel();
                }
                else if (type == WatchEventType.Deleted || current.Status?.Phase is "Succeeded" or "Failed")
                {
                    decided.Cancel();
                }
            }, null, decided.Token, onListed: listing =>
            {
                // Deleted while the watch was down: no DELETED event comes, the pod is just not listed.
                if (listing.Items.Count == 0)
                {
                    decided.Cancel();
                }
            });
        }
        catch (OperationCanceledException) when (decided.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }

        return result;
    }

    /// <summary>When the container's current run started, as its status says; null when it has not started.</summary>
    private static DateTimeOffset? StartedAt(V1Pod pod, string container) =>
        ContainerStatus(pod, container)?.State is { } state && (state.Running?.StartedAt ?? state.Terminated?.StartedAt) is { } at
            ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc))
            : null;

    private static V1ContainerStatus? ContainerStatus(V1Pod pod, string container) =>
        (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container);
}
