using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Results;

/// <summary>
/// Decides why a run did not succeed, so that only what a retry can fix is retried. The rule: a
/// failure is Infrastructure when the test never ran (image pull, scheduling, the clone) or its pod
/// was taken away from it (eviction, preemption, a lost or shut-down node); a run that ran and failed
/// on its own (an exit code, failed cases, its deadline, its memory limit) is a TestFailure; a job
/// definition that cannot run is Configuration. Pure, so it is tested without a cluster.
/// </summary>
public static class FailureClassifier
{
    // ErrImagePull/ImagePullBackOff: a registry blip or an image still being pushed.
    // Unschedulable: the cluster autoscaler may add a node. InitContainerFailed: the clone's network.
    private static readonly HashSet<string> s_infrastructureReasons = new(StringComparer.Ordinal) { "ErrImagePull", "ImagePullBackOff", "Unschedulable", "InitContainerFailed" };

    // Errors in the job's definition: a retry fails the same way. FailedMount: a volume's Secret or ConfigMap is missing.
    private static readonly HashSet<string> s_configurationReasons = new(StringComparer.Ordinal) { "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError", "FailedMount" };

    // Pod status reasons the kubelet and the node lifecycle controller set when they take a pod away.
    private static readonly HashSet<string> s_podTakenReasons = new(StringComparer.Ordinal) { "Evicted", "NodeLost", "Preempting", "Shutdown", "NodeShutdown", "Terminated", "UnexpectedAdmissionError", "NodeAffinity", "OutOfcpu", "OutOfmemory", "OutOfpods" };

    /// <summary>The kind of failure of <paramref name="run"/>; <paramref name="lastPod"/> is the run's newest pod, when known.</summary>
    public static E2eFailureKind Classify(E2eRun run, V1Pod? lastPod, E2eTestResult? testResult)
    {
        ArgumentNullException.ThrowIfNull(run);
        switch (run.Status)
        {
            case E2eRunStatus.Succeeded:
                // A runner that exits 0 despite failed cases still failed its tests.
                return testResult is { Failed: > 0 } ? E2eFailureKind.TestFailure : E2eFailureKind.None;
            case E2eRunStatus.TimedOut:
                return E2eFailureKind.TimedOut;
            case E2eRunStatus.Cancelled:
                return E2eFailureKind.Cancelled;
            case E2eRunStatus.Pending or E2eRunStatus.Running:
                return E2eFailureKind.None;
        }

        if (E2ePs.Engine.Waiting.AdmissionVerdict.KindOf(run.Reason) is { } refusedKind)
        {
            return refusedKind;
        }

        if (run.Reason is { } reason)
        {
            if (s_infrastructureReasons.Contains(reason))
            {
                return E2eFailureKind.Infrastructure;
            }

            if (s_configurationReasons.Contains(reason))
            {
                return E2eFailureKind.Configuration;
            }

            if (IsDisruption(reason))
            {
                return E2eFailureKind.Infrastructure;
            }

            if (reason == "JobDeleted")
            {
                return E2eFailureKind.Cancelled;
            }
        }

        return lastPod is not null && WasTakenAway(lastPod) ? E2eFailureKind.Infrastructure : E2eFailureKind.TestFailure;
    }

    /// <summary>
    /// Whether the run's reason says its pod was taken away (the verdict names the disruption it saw, see
    /// RunEvaluator.Termination.cs), which holds once the pod is gone and cannot be read again.
    /// </summary>
    public static bool IsDisruption(string reason) => Waiting.RunEvaluator.DisruptionReasons.Contains(reason);

    /// <summary>Whether the pod was evicted, preempted or lost with its node rather than ended by its test.</summary>
    public static bool WasTakenAway(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Status?.Reason is { } reason && s_podTakenReasons.Contains(reason))
        {
            return true;
        }

        // Kubernetes 1.26+ marks a pod it is about to disrupt (preemption, taint eviction, the
        // eviction API, pod GC of a lost node, kubelet pressure) with this condition.
        return pod.Status?.Conditions?.Any(c => c.Type == "DisruptionTarget" && c.Status == "True") == true;
    }
}
