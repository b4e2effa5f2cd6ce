using E2ePs.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>What the Job and its pods say about a run at one moment.</summary>
public sealed record RunVerdict(
    E2eRunStatus Status,
    string? Reason,
    string? Message,
    int? ExitCode,
    IReadOnlyList<string> PodNames,
    DateTimeOffset? CompletionTime)
{
    /// <summary>Pod and init container whose log tail explains the failure, when an init container failed.</summary>
    public (string Pod, string Container)? FailedInitContainer { get; init; }

    /// <summary>
    /// The Job itself reported the failure: the pods' last states (an OOM kill, an exit code) may not
    /// have arrived on the pod watch yet, so the waiter reads them once more before it reports.
    /// </summary>
    public bool FailedByJob { get; init; }

    /// <summary>When the run is stuck on an image pull, since when; the waiter applies the grace period.</summary>
    public bool ImagePullFailing { get; init; }

    /// <summary>
    /// An Unschedulable pod waits for an autoscaler and nothing is known of one yet: the waiter looks for one
    /// (<see cref="AutoscalerDetector"/>) and judges again.
    /// </summary>
    public bool AwaitingAutoscaler { get; init; }

    /// <summary>A volume's Secret or ConfigMap is missing (<see cref="MountVerdict"/>); the waiter gives it a short grace period.</summary>
    public bool ObjectMissing { get; init; }
}
