using E2ePs.Engine.Results;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// The verdict under graceful termination and disruption. A Job that has failed (FailureTarget) deletes its pods
/// gracefully: SIGTERM, then SIGKILL after the grace period (deletionTimestamp is the deletion's time plus that
/// period, pkg/registry/core/pod/strategy.go), and sets Failed only once no pod is terminating
/// (pkg/controller/job/job_controller.go, enactJobFinished). So while a pod terminates the run is not over: its exit
/// code and what it wrote before the kill come when it has stopped. A pod still terminating well after its grace
/// period (a lost node, a kubelet that cannot stop it) ends the wait with PodStillTerminating instead of a wait until
/// the timeout. A Job that failed because its pod was taken away (the eviction API, preemption, node loss, kubelet
/// eviction: DisruptionTarget or the pod's status reason) says so in its reason, so the run is classified as an
/// infrastructure failure from the reason alone, even once the pod is gone.
/// </summary>
public static partial class RunEvaluator
{
    /// <summary>How long past its deletionTimestamp a terminating pod may take to be seen stopped before the run is reported stuck.</summary>
    public static readonly TimeSpan TerminationMargin = TimeSpan.FromSeconds(15);

    /// <summary>Reasons of a run whose newest pod was taken away from its test (see <see cref="FailureClassifier"/>).</summary>
    public static readonly IReadOnlySet<string> DisruptionReasons = new HashSet<string>(StringComparer.Ordinal) { "Evicted", "Preempted", "NodeLost", "NodeShutdown", "PodDisrupted" };

    /// <summary>
    /// How long after the Job's Failed condition a pod that this view still has running may take to arrive in its final
    /// state before the verdict is given without it.
    /// </summary>
    public static readonly TimeSpan FinalPodStateBound = TimeSpan.FromSeconds(5);

    /// <summary>While the Job's FailureTarget waits for a terminating pod: the run goes on; past the grace period and the margin: stuck.</summary>
    private static RunVerdict? AwaitTermination(IList<V1JobCondition> conditions, V1JobCondition failed, List<V1Pod> pods, IReadOnlyList<string> names, DateTimeOffset now)
    {
        if (conditions.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True") is { } final)
        {
            return AwaitFinalPodState(final, pods, names, now);
        }

        if (failed.Type != "FailureTarget")
        {
            return null;
        }

        // The controller deletes every active pod with FailureTarget; one whose deletion the pod watch has not delivered
        // yet is stopping too, its grace period counted from the condition.
        var terminating = pods.LastOrDefault(p => p.Status?.Phase is not ("Succeeded" or "Failed"));
        if (terminating is null)
        {
            return null;
        }

        var name = terminating.Metadata.Name;
        var grace = terminating.Metadata.DeletionGracePeriodSeconds ?? terminating.Spec?.TerminationGracePeriodSeconds ?? 30;
        var graceEnds = Time(terminating.Metadata.DeletionTimestamp) ?? (Time(failed.LastTransitionTime) ?? now) + TimeSpan.FromSeconds(grace);
        var why = $"The Job failed ({failed.Reason}: {failed.Message})";
        if (now <= graceEnds + TerminationMargin)
        {
            return new RunVerdict(E2eRunStatus.Running, null,
                $"{why}; pod {name} is terminating: its grace period of {grace} s ends at {graceEnds:u}.", null, names, null);
        }

        var late = (long)(now - graceEnds).TotalSeconds;
        var disruption = Disruption(terminating);
        return new RunVerdict(E2eRunStatus.Failed, "PodStillTerminating",
            $"{why}, but pod {name} is still terminating {late} s after its grace period of {grace} s ended at {graceEnds:u}"
            + (disruption is null ? "" : $" (it was disrupted: {disruption.Reason}: {disruption.Message})")
            + ": its node may be unreachable, or its kubelet cannot stop the container, so its exit code and the results it wrote are unknown.",
            null, names, now);
    }

    /// <summary>
    /// The controller sets Failed only once no pod is terminating (enactJobFinished), so a pod that this view still has
    /// running has stopped on the server; its final state (the exit code, 143 after a deadline's SIGTERM) is on its way
    /// through the pods watch, a stream of its own that can deliver after the Jobs watch. The run goes on until it
    /// comes, up to <see cref="FinalPodStateBound"/> after the condition; then the verdict is given without it.
    /// </summary>
    private static RunVerdict? AwaitFinalPodState(V1JobCondition final, List<V1Pod> pods, IReadOnlyList<string> names, DateTimeOffset now)
    {
        var behind = pods.LastOrDefault(p => p.Status?.Phase is not ("Succeeded" or "Failed"));
        if (behind is null || Time(final.LastTransitionTime) is not { } failedAt || now > failedAt + FinalPodStateBound)
        {
            return null;
        }

        return new RunVerdict(E2eRunStatus.Running, null,
            $"The Job failed ({final.Reason}: {final.Message}); waiting for the final state of pod {behind.Metadata.Name}.", null, names, null);
    }

    /// <summary>A Job that ran out of retries because its newest pod was taken away: the disruption is the reason.</summary>
    private static RunVerdict? TakenAway(V1JobCondition failed, V1Pod? latest, V1ContainerStateTerminated? lastTermination, IReadOnlyList<string> names, DateTimeOffset now)
    {
        if (failed.Reason != "BackoffLimitExceeded" || latest is null || !FailureClassifier.WasTakenAway(latest))
        {
            return null;
        }

        var disruption = Disruption(latest);
        var reason = DisruptionReason(disruption?.Reason, latest.Status?.Reason);
        var detail = disruption is not null ? $"{disruption.Reason}: {disruption.Message}" : $"{latest.Status?.Reason}: {latest.Status?.Message}";
        var exit = lastTermination is null ? "" : $" The test container exited with code {lastTermination.ExitCode} ({lastTermination.Reason}).";
        return new RunVerdict(E2eRunStatus.Failed, reason,
            $"Pod {latest.Metadata.Name} was taken away from its test ({detail}), and the Job failed: {failed.Message}.{exit}",
            lastTermination?.ExitCode, names, Time(failed.LastTransitionTime) ?? now)
        {
            FailedByJob = true,
        };
    }

    private static V1PodCondition? Disruption(V1Pod pod) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget" && c.Status == "True");

    /// <summary>The run's reason from the DisruptionTarget reason (core/v1 PodReason*), else from the pod's status reason.</summary>
    private static string DisruptionReason(string? conditionReason, string? statusReason) => conditionReason switch
    {
        "EvictionByEvictionAPI" => "Evicted",
        "PreemptionByScheduler" => "Preempted",
        "DeletionByTaintManager" or "DeletionByPodGC" => "NodeLost",
        _ => statusReason switch
        {
            "Evicted" => "Evicted",
            "NodeLost" => "NodeLost",
            "Preempting" => "Preempted",
            "Shutdown" or "NodeShutdown" or "Terminated" => "NodeShutdown",
            _ => conditionReason == "TerminationByKubelet" ? "Evicted" : "PodDisrupted",
        },
    };
}
