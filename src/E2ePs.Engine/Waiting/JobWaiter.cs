using System.Runtime.CompilerServices;
using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Manifests;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// Wait-E2eJob's engine. Runs are grouped by cluster and namespace; each group is followed by one
/// list-then-watch of its Jobs and one of its pods, both selected by the e2eps.io/run-id label, so
/// waiting on N jobs costs the same two watches as waiting on one. Updates go through a channel to
/// the caller, who writes them on the pipeline thread.
/// </summary>
public static class JobWaiter
{
    private const int InitLogTailLines = 20;

    /// <summary>Waits for <paramref name="runs"/>; yields progress and each run once it has ended.</summary>
    public static async IAsyncEnumerable<WaitUpdate> WaitAsync(IReadOnlyList<E2eRun> runs, WaitOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        var channel = Channel.CreateUnbounded<WaitUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var board = new RunBoard(runs, channel.Writer);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout is { } timeout)
        {
            stop.CancelAfter(timeout);
        }

        var groups = runs
            .Where(r => !r.IsFinished)
            .GroupBy(r => (r.Kubeconfig, r.Context, r.Namespace))
            .Select(g => FollowNamespaceAsync(g.Key.Kubeconfig, g.Key.Context, g.Key.Namespace, g.ToList(), board, options, stop.Token))
            .ToList();

        // A tick of the clock every second, so the caller's progress shows the elapsed time move
        // while nothing changes in the cluster.
        var ticking = new CancellationTokenSource();
        _ = TickAsync(TimeSpan.FromSeconds(1), () => board.ReportProgress(tick: true), ticking.Token);

        var all = Task.WhenAll(groups);
        _ = all.ContinueWith(
            task =>
            {
                ticking.Cancel();
                ticking.Dispose();
                if (cancellationToken.IsCancellationRequested)
                {
                    board.EndAll(E2eRunStatus.Cancelled, "Cancelled", "The wait was cancelled; the Job goes on in the cluster.");
                }
                else if (stop.IsCancellationRequested)
                {
                    board.EndAll(E2eRunStatus.TimedOut, "TimedOut", $"The run had not ended after {options.Timeout}.");
                }

                channel.Writer.TryComplete(task.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        board.ReportProgress();
        await foreach (var update in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            yield return update;
        }
    }

    private static async Task FollowNamespaceAsync(string? kubeconfig, string context, string ns, List<E2eRun> runs, RunBoard board, WaitOptions options, CancellationToken cancellationToken)
    {
        var connection = ClusterConnections.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = string.IsNullOrEmpty(context) ? null : context });
        var client = connection.Client;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var byRunId = runs.ToDictionary(r => r.RunId, StringComparer.Ordinal);
        var state = runs.ToDictionary(r => r.RunId, _ => new RunObservation(), StringComparer.Ordinal);
        var gate = new object();
        var pending = new HashSet<string>(byRunId.Keys, StringComparer.Ordinal);
        var initLogs = Channel.CreateUnbounded<(string RunId, RunVerdict Verdict, V1Job? Job)>();

        // No verdict before the pods have been listed: the Jobs' list may come back first, and a Job
        // that has already ended would be judged (and its PodNames written) without its pods.
        var podsListed = false;

        void Reevaluate(string runId)
        {
            RunVerdict verdict;
            lock (gate)
            {
                if (!podsListed || !pending.Contains(runId) || !state[runId].JobSeen)
                {
                    return;
                }

                var observation = state[runId];
                verdict = RunEvaluator.Evaluate(observation.Job, observation.Pods.Values, [], DateTimeOffset.UtcNow);
                if (verdict.ImagePullFailing)
                {
                    observation.PullFailingSince ??= DateTimeOffset.UtcNow;
                    if (DateTimeOffset.UtcNow - observation.PullFailingSince < options.PullGracePeriod)
                    {
                        board.Update(byRunId[runId], verdict with { Status = E2eRunStatus.Pending });
                        return;
                    }
                }
                else
                {
                    observation.PullFailingSince = null;
                }

                if (verdict.Status is not (E2eRunStatus.Succeeded or E2eRunStatus.Failed))
                {
                    board.Update(byRunId[runId], verdict);
                    return;
                }

                pending.Remove(runId);
                if (pending.Count == 0)
                {
                    done.Cancel();
                }
            }

            if (verdict.FailedInitContainer is not null || verdict.FailedByJob)
            {
                RunObservation observation;
                lock (gate)
                {
                    observation = state[runId];
                }

                initLogs.Writer.TryWrite((runId, verdict, observation.Job));
            }
            else
            {
                V1Pod? lastPod;
                lock (gate)
                {
                    lastPod = NewestPod(state[runId].Pods.Values);
                }

                board.Finish(byRunId[runId], verdict, lastPod);
            }
        }

        string? RunIdOf(V1ObjectMeta metadata) =>
            metadata.Labels is { } labels && labels.TryGetValue(JobLabels.RunId, out var id) && byRunId.ContainsKey(id) ? id : null;

        void OnJob(WatchEventType type, V1Job job)
        {
            if (RunIdOf(job.Metadata) is not { } runId || byRunId[runId].Uid is { Length: > 0 } uid && uid != job.Metadata.Uid)
            {
                return;
            }

            lock (gate)
            {
                state[runId].JobSeen = true;
                state[runId].Job = type == WatchEventType.Deleted ? null : job;
            }

            Reevaluate(runId);
        }

        void OnPod(WatchEventType type, V1Pod pod)
        {
            if (RunIdOf(pod.Metadata) is not { } runId)
            {
                return;
            }

            lock (gate)
            {
                // A deleted pod still counts: it is one of the job's attempts.
                state[runId].Pods[pod.Metadata.Name] = pod;
            }

            Reevaluate(runId);
        }

        // Log tails are fetched beside the watches, so a failed init container is reported at once;
        // it stops only with the caller's token, never with the end of the watches.
        var explainer = ExplainFailuresAsync(client, ns, initLogs.Reader, byRunId, board, cancellationToken);
        var tasks = new List<Task>
        {
            WatchLoop.JobsAsync(client, ns, JobLabels.RunId, null, OnJob, null, done.Token),
            WatchLoop.PodsAsync(client, ns, JobLabels.RunId, null, OnPod, null, done.Token, onListed: () =>
            {
                lock (gate)
                {
                    podsListed = true;
                }

                foreach (var runId in byRunId.Keys)
                {
                    Reevaluate(runId);
                }
            }),
        };
        if (options.PullGracePeriod > TimeSpan.Zero)
        {
            tasks.Add(TickAsync(options.PullGracePeriod, () =>
            {
                foreach (var runId in byRunId.Keys)
                {
                    Reevaluate(runId);
                }
            }, done.Token));
        }

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, connection, $"watch the Jobs of namespace {ns}", ns);
        }

        initLogs.Writer.TryComplete();
        await explainer;
    }

    private static async Task ExplainFailuresAsync(IKubernetes client, string ns, ChannelReader<(string RunId, RunVerdict Verdict, V1Job? Job)> reader, Dictionary<string, E2eRun> runs, RunBoard board, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (runId, first, job) in reader.ReadAllAsync(cancellationToken))
            {
                var verdict = first;
                V1Pod? lastPod = null;
                if (verdict.FailedByJob)
                {
                    var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{JobLabels.RunId}={runId}", cancellationToken: cancellationToken);
                    verdict = RunEvaluator.Evaluate(job, pods.Items.ToList(), [], DateTimeOffset.UtcNow);
                    lastPod = NewestPod(pods.Items);
                }

                if (verdict.FailedInitContainer is null)
                {
                    board.Finish(runs[runId], verdict, lastPod);
                    continue;
                }

                var (pod, container) = verdict.FailedInitContainer.Value;
                string tail;
                try
                {
                    using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, tailLines: InitLogTailLines, cancellationToken: cancellationToken);
                    using var reader2 = new StreamReader(stream);
                    tail = (await reader2.ReadToEndAsync(cancellationToken)).TrimEnd();
                }
                catch (Exception error) when (error is HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
                {
                    tail = $"(its log could not be read: {error.Message})";
                }

                board.Finish(runs[runId], verdict with { Message = $"{verdict.Message} Last lines of its log:{Environment.NewLine}{tail}" }, lastPod);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static V1Pod? NewestPod(IEnumerable<V1Pod> pods) =>
        pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).LastOrDefault();

    private static async Task TickAsync(TimeSpan grace, Action tick, CancellationToken cancellationToken)
    {
        var period = grace < TimeSpan.FromSeconds(1) ? grace : TimeSpan.FromSeconds(1);
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            tick();
        }
    }

    private sealed class RunObservation
    {
        public bool JobSeen { get; set; }

        public V1Job? Job { get; set; }

        public Dictionary<string, V1Pod> Pods { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? PullFailingSince { get; set; }
    }
}
