using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>What is known of a cluster's node autoscaler.</summary>
public enum AutoscalerPresence
{
    /// <summary>Nothing could be read that tells (no permission on kube-system, a failed request): wait the grace period.</summary>
    Unknown,

    /// <summary>No cluster-autoscaler status ConfigMap in kube-system and no Karpenter API: nothing will add a node.</summary>
    Absent,

    /// <summary>A Cluster Autoscaler status ConfigMap or the Karpenter API is there.</summary>
    Present,
}

/// <summary>How an Unschedulable pod is judged: whether an autoscaler may serve it, and for how long to wait.</summary>
/// <param name="Autoscaler">What is known of the cluster's autoscaler.</param>
/// <param name="GracePeriod">How long an Unschedulable pod may wait for an autoscaler to decide (zero: fail at once).</param>
/// <param name="ScaleUpTimeout">How long after a scale-up was triggered the new node may take to serve the pod.</param>
public sealed record SchedulingPolicy(AutoscalerPresence Autoscaler, TimeSpan GracePeriod, TimeSpan ScaleUpTimeout)
{
    /// <summary>
    /// Cluster Autoscaler considers a pod within 10 s of its being marked Unschedulable and promises a decision within
    /// 30 s on clusters under 100 nodes and 60 s up to 1,000 (kubernetes/autoscaler cluster-autoscaler/FAQ.md, "What are
    /// the Service Level Objectives", "How fast is Cluster Autoscaler?"); Karpenter batches pending pods for 1 to 10 s.
    /// Twice the slowest promise.
    /// </summary>
    public static readonly TimeSpan DefaultGracePeriod = Contracts.WaitOptions.DefaultScheduleGracePeriod;

    /// <summary>Cluster Autoscaler's own bound on a node it asked for (--max-node-provision-time, 15 minutes).</summary>
    public static readonly TimeSpan DefaultScaleUpTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Nothing known of an autoscaler, the default grace: what a listing (which makes no requests for it) uses.</summary>
    public static SchedulingPolicy Default { get; } = new(AutoscalerPresence.Unknown, DefaultGracePeriod, DefaultScaleUpTimeout);
}

/// <summary>
/// The verdict on a run whose newest pod the scheduler found Unschedulable. A node autoscaler acts on exactly that
/// condition (Cluster Autoscaler: FAQ.md "How does scale-up work?"; Karpenter likewise), so on a cluster with one the
/// pod is usually served by a new node in one to a few minutes. The autoscaler says what it decided in events on the
/// pod: Cluster Autoscaler (component "cluster-autoscaler") TriggeredScaleUp or NotTriggerScaleUp, both of type
/// Normal (processors/status/eventing_scale_up_processor.go); Karpenter (component "karpenter") Nominated, or a
/// FailedScheduling "Failed to schedule pod, ..." of its own (kubernetes-sigs/karpenter
/// pkg/controllers/provisioning/scheduling/events.go). The newest of them decides: a refusal fails at once; a
/// scale-up keeps the run Pending until the node comes or <see cref="SchedulingPolicy.ScaleUpTimeout"/> passes;
/// without either the run waits <see cref="SchedulingPolicy.GracePeriod"/> unless no autoscaler exists. Pure.
/// </summary>
public static class SchedulingVerdict
{
    private const string ClusterAutoscaler = "cluster-autoscaler";
    private const string Karpenter = "karpenter";

    /// <summary>The verdict on an Unschedulable pod (<paramref name="unschedulable"/> is its PodScheduled condition).</summary>
    public static RunVerdict Decide(V1Pod pod, V1PodCondition unschedulable, IReadOnlyCollection<Corev1Event> events, IReadOnlyList<string> names, SchedulingPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(unschedulable);
        ArgumentNullException.ThrowIfNull(policy);
        var podName = pod.Metadata?.Name;
        var cannot = $"Pod {podName} cannot be scheduled: {unschedulable.Message}";
        var decision = LatestDecision(events, pod.Metadata?.Uid, podName);
        if (decision is { Refused: true } refused)
        {
            return Failed($"{cannot} {Reporter(refused.Event)} reports {refused.Event.Reason}: {refused.Event.Message}", names, now);
        }

        if (decision is { } triggered)
        {
            var since = FirstTime(triggered.Event) ?? now;
            var message = $"Pod {podName} waits for a new node: {Reporter(triggered.Event)} reports {triggered.Event.Reason}: {triggered.Event.Message}";
            return now - since < policy.ScaleUpTimeout
                ? new RunVerdict(E2eRunStatus.Pending, null, message, null, names, null)
                : Failed($"{cannot} {Reporter(triggered.Event)} reported {triggered.Event.Reason} at {since:u} ({triggered.Event.Message}), and no node took the pod within {policy.ScaleUpTimeout.TotalMinutes:0.#} minutes.", names, now);
        }

        if (policy.Autoscaler == AutoscalerPresence.Absent || policy.GracePeriod <= TimeSpan.Zero)
        {
            return Failed(cannot, names, now);
        }

        // The scheduler sets the condition's transition time once, when the pod first becomes Unschedulable.
        var unschedulableSince = Time(unschedulable.LastTransitionTime) ?? now;
        if (now - unschedulableSince < policy.GracePeriod)
        {
            var who = policy.Autoscaler == AutoscalerPresence.Present ? "the cluster's autoscaler" : "an autoscaler";
            return new RunVerdict(E2eRunStatus.Pending, null,
                $"Pod {podName} waits for {who} to add a node (up to {policy.GracePeriod.TotalSeconds:0} s): {unschedulable.Message}", null, names, null)
            {
                AwaitingAutoscaler = policy.Autoscaler == AutoscalerPresence.Unknown,
            };
        }

        var none = policy.Autoscaler == AutoscalerPresence.Present
            ? $"The cluster's autoscaler did not decide to add a node within {policy.GracePeriod.TotalSeconds:0} s."
            : $"No autoscaler decided to add a node within {policy.GracePeriod.TotalSeconds:0} s (none was found, or E2ePs may not read kube-system/cluster-autoscaler-status).";
        return Failed($"{cannot} {none}", names, now);
    }

    private static RunVerdict Failed(string message, IReadOnlyList<string> names, DateTimeOffset now) =>
        new(E2eRunStatus.Failed, "Unschedulable", message, null, names, now);

    /// <summary>The newest event in which an autoscaler decided about the pod, and whether it refused.</summary>
    private static (Corev1Event Event, bool Refused)? LatestDecision(IReadOnlyCollection<Corev1Event> events, string? uid, string? name)
    {
        (Corev1Event Event, bool Refused)? latest = null;
        DateTime latestTime = DateTime.MinValue;
        foreach (var e in events)
        {
            if (e.InvolvedObject?.Kind != "Pod" || !(uid is not null && e.InvolvedObject.Uid is not null ? e.InvolvedObject.Uid == uid : e.InvolvedObject.Name == name))
            {
                continue;
            }

            bool refused;
            switch (Reporter(e), e.Reason)
            {
                case (ClusterAutoscaler, "TriggeredScaleUp"):
                case (Karpenter, "Nominated"):
                    refused = false;
                    break;
                case (ClusterAutoscaler, "NotTriggerScaleUp"):
                case (Karpenter, "FailedScheduling"):
                    refused = true;
                    break;
                default:
                    continue;
            }

            // Recorder events carry lastTimestamp; events.k8s.io ones eventTime and series. Equal times keep the list's order.
            var time = LastTime(e);
            if (latest is null || time >= latestTime)
            {
                latest = (e, refused);
                latestTime = time;
            }
        }

        return latest;
    }

    /// <summary>The component that wrote an event: source.component (core/v1 recorder), else reportingComponent (events.k8s.io).</summary>
    private static string? Reporter(Corev1Event e) => e.Source?.Component is { Length: > 0 } component ? component : e.ReportingComponent;

    private static DateTime LastTime(Corev1Event e) =>
        e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;

    private static DateTimeOffset? FirstTime(Corev1Event e) => Time(e.FirstTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp);

    private static DateTimeOffset? Time(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
