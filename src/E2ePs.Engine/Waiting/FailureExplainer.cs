using E2ePs.Engine.Cluster;
using E2ePs.Engine.Platform;
using System.Threading.Channels;
using E2ePs.Engine.Manifests;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>A run that ended in a failure whose cause needs one more request before it is reported.</summary>
internal sealed record FailedRun(string RunId, RunVerdict Verdict, V1Job? Job, IReadOnlyCollection<Corev1Event> Events)
{
    /// <summary>The pods the watch saw, deleted ones included: a pod the Job counted is gone from a fresh list.</summary>
    public IReadOnlyCollection<V1Pod> WatchedPods { get; init; } = [];
}

/// <summary>
/// Completes the verdicts a watch alone cannot: a failure the Job reported is judged again from a fresh
/// list of its pods (their last states may not have arrived on the watch yet), and a failed init
/// container gets the tail of its log. It runs beside the watches, so a failed init container is reported
/// at once, and stops only with the caller's token, never with the end of the watches.
/// </summary>
internal sealed class FailureExplainer(IKubernetes client, string ns, IReadOnlyDictionary<string, E2ePs.Models.E2eRun> runs, RunBoard board, IClock clock)
{
    private const int InitLogTailLines = 20;

    /// <summary>Explains and finishes each failed run read from <paramref name="failed"/> until it completes.</summary>
    public async Task RunAsync(ChannelReader<FailedRun> failed, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var run in failed.ReadAllAsync(cancellationToken))
            {
                await ExplainAsync(run, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ExplainAsync(FailedRun failed, CancellationToken cancellationToken)
    {
        var verdict = failed.Verdict;
        V1Pod? lastPod = null;
        if (verdict.FailedByJob)
        {
            var pods = await ListPages.PodsAsync(client, ns, $"{JobLabels.RunId}={failed.RunId}", cancellationToken);
            var all = WithDeleted(pods, failed.WatchedPods);
            var again = RunEvaluator.Evaluate(failed.Job, all, failed.Events, clock.UtcNow);
            // The list can be newer than the watch, never older: a verdict that is no longer final (a pod still
            // stopping) cannot end the run, so the watch's stands.
            verdict = again.Status is E2ePs.Models.E2eRunStatus.Failed or E2ePs.Models.E2eRunStatus.Succeeded ? again : verdict;
            lastPod = RunObservation.Newest(all);
        }

        if (verdict.FailedInitContainer is { } init)
        {
            var tail = await InitLogTailAsync(init.Pod, init.Container, cancellationToken);
            verdict = verdict with { Message = $"{verdict.Message} Last lines of its log:{Environment.NewLine}{tail}" };
        }

        board.Finish(runs[failed.RunId], verdict, lastPod);
    }

    /// <summary>
    /// The fresh list, plus the watched pods it no longer has: the Job controller removes its tracking finalizer once
    /// it has counted a pod, so an evicted or deadline-killed pod is gone by the time the Job says Failed, and only
    /// the watch kept its last state (its exit code, its DisruptionTarget condition).
    /// </summary>
    private static List<V1Pod> WithDeleted(IList<V1Pod> listed, IReadOnlyCollection<V1Pod> watched)
    {
        var names = listed.Select(p => p.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        return [.. listed, .. watched.Where(p => !names.Contains(p.Metadata.Name))];
    }

    private async Task<string> InitLogTailAsync(string pod, string container, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, tailLines: InitLogTailLines, cancellationToken: cancellationToken);
            using var reader = new StreamReader(stream);
            return (await reader.ReadToEndAsync(cancellationToken)).TrimEnd();
        }
        catch (Exception error) when (error is HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
        {
            return $"(its log could not be read: {error.Message})";
        }
    }
}
