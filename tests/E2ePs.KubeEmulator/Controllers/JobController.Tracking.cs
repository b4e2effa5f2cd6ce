using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Pod tracking with the batch.kubernetes.io/job-tracking finalizer and the podFailurePolicy, after
/// kubernetes/kubernetes pkg/controller/job/job_controller.go (getNewFinishedPods, isPodFailed, onlyReplaceFailedPods,
/// removeTrackingFinalizerFromPods) and pod_failure_policy.go: a finished pod is counted once, then its finalizer is
/// removed so that a deleted pod can go; a terminating pod counts as failed at once unless only failed pods are
/// replaced (a podFailurePolicy, or podReplacementPolicy Failed), when it counts once its phase is Failed and the
/// policy has judged it.
/// </summary>
internal sealed partial class JobController
{
    /// <summary>Counts the pods that finished since the last sync; the message of a matched FailJob rule, if any.</summary>
    private static (int Succeeded, int Failed, string? FailJobMessage) CountFinished(List<StoredObject> pods, JsonObject spec, JobState state)
    {
        var succeeded = 0;
        var failed = 0;
        string? failJob = null;
        var policy = spec["podFailurePolicy"] as JsonObject;
        foreach (var p in pods)
        {
            var phase = p.GetString("status.phase");
            if (phase == "Succeeded")
            {
                succeeded += state.Counted.Add(p.Uid) ? 1 : 0;
                continue;
            }

            if (!IsPodFailed(p, phase, spec) || !state.Counted.Add(p.Uid))
            {
                continue;
            }

            var verdict = PodFailurePolicy.Match(policy, p.ToNode());
            failJob ??= verdict.FailJobMessage;
            failed += verdict.CountFailed ? 1 : 0;
        }

        return (succeeded, failed, failJob);
    }

    /// <summary>isPodFailed upstream: a deleted pod that never reached Failed counts as failed, unless only failed pods are replaced.</summary>
    private static bool IsPodFailed(StoredObject pod, string? phase, JsonObject spec) =>
        phase == "Failed" || (!OnlyReplaceFailedPods(spec) && pod.HasDeletionTimestamp && phase != "Succeeded");

    /// <summary>onlyReplaceFailedPods upstream: podReplacementPolicy Failed, or any podFailurePolicy.</summary>
    private static bool OnlyReplaceFailedPods(JsonObject spec) =>
        spec.Str("podReplacementPolicy") == "Failed" || spec["podFailurePolicy"] is JsonObject;

    /// <summary>Removes the tracking finalizer from the counted pods (every pod, once the Job has finished).</summary>
    private void ReleaseTrackingFinalizers(IEnumerable<StoredObject> pods, bool all, JobState? state = null)
    {
        foreach (var p in pods)
        {
            if ((all || state?.Counted.Contains(p.Uid) == true) && PodRemoval.HasFinalizer(p, PodRemoval.JobTracking))
            {
                PodRemoval.RemoveFinalizer(cluster, p, PodRemoval.JobTracking);
            }
        }
    }

    /// <summary>A pod whose Job is gone (or replaced by another of the name) keeps no tracking finalizer: nothing would count it.</summary>
    private bool ReleaseOrphan(StoredObject pod, string owner, string uid)
    {
        var job = cluster.Store.Get(ResourceCatalog.Jobs, pod.Namespace, owner);
        if (job is not null && job.Uid == uid)
        {
            return false;
        }

        if (PodRemoval.HasFinalizer(pod, PodRemoval.JobTracking))
        {
            PodRemoval.RemoveFinalizer(cluster, pod, PodRemoval.JobTracking);
        }

        return false;
    }
}
