using E2ePs.Engine.Waiting;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Verdicts;

/// <summary>
/// The verdict on a run whose pod the scheduler found Unschedulable (<see cref="SchedulingVerdict"/> through
/// <see cref="RunEvaluator.Evaluate(k8s.Models.V1Job?, IReadOnlyCollection{k8s.Models.V1Pod}, IReadOnlyCollection{k8s.Models.Corev1Event}, DateTimeOffset, SchedulingPolicy)"/>),
/// over the recorded pod "unschedulable" (PodScheduled=False since 10:00:01) and the autoscalers' events of events.json,
/// at a moment some seconds after the pod became Unschedulable, with what is known of the cluster's autoscaler.
/// </summary>
public sealed class SchedulingVerdictTableTests
{
    private const string Shop = "test-shop-e2e-7x2kq";

    private static readonly DateTimeOffset s_unschedulableSince = new(2026, 12, 5, 10, 0, 1, TimeSpan.Zero);

    /// <summary>name, autoscaler, grace (s), events, seconds after 10:00:01 → status, whether the autoscaler is looked for, a part of the message.</summary>
    public static TheoryData<string, AutoscalerPresence, int, string[], int, E2eRunStatus, bool, string> Rows => new()
    {
        // No autoscaler: as before, at once.
        { "no autoscaler: fails at once", AutoscalerPresence.Absent, 120, ["pod-failed-scheduling"], 1, E2eRunStatus.Failed, false,
            $"Pod {Shop} cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory." },
        { "a grace period of 0 fails at once, autoscaler or not", AutoscalerPresence.Present, 0, [], 1, E2eRunStatus.Failed, false, "cannot be scheduled" },

        // Waiting for the autoscaler's decision.
        { "an autoscaler is there: the pod waits for it", AutoscalerPresence.Present, 120, ["pod-failed-scheduling"], 10, E2eRunStatus.Pending, false,
            $"Pod {Shop} waits for the cluster's autoscaler to add a node (up to 120 s): 0/3 nodes are available" },
        { "nothing known yet: the pod waits, and the waiter looks for an autoscaler", AutoscalerPresence.Unknown, 120, [], 10, E2eRunStatus.Pending, true, "waits for an autoscaler" },
        { "no decision within the grace period fails", AutoscalerPresence.Present, 120, ["pod-failed-scheduling"], 121, E2eRunStatus.Failed, false,
            "The cluster's autoscaler did not decide to add a node within 120 s." },
        { "nothing known and nothing decided within the grace period: fails, never waits forever", AutoscalerPresence.Unknown, 120, [], 300, E2eRunStatus.Failed, false,
            "No autoscaler decided to add a node within 120 s" },

        // The autoscaler decided.
        { "NotTriggerScaleUp fails at once with the autoscaler's reason", AutoscalerPresence.Present, 120, ["pod-failed-scheduling", "ca-not-trigger-scale-up"], 12, E2eRunStatus.Failed, false,
            "cluster-autoscaler reports NotTriggerScaleUp: pod didn't trigger scale-up: 1 max node group size reached" },
        { "NotTriggerScaleUp decides even where nothing was known of an autoscaler", AutoscalerPresence.Unknown, 120, ["ca-not-trigger-scale-up"], 12, E2eRunStatus.Failed, false, "NotTriggerScaleUp" },
        { "TriggeredScaleUp keeps the run pending, with the autoscaler's message", AutoscalerPresence.Present, 120, ["pod-failed-scheduling", "ca-triggered-scale-up"], 200, E2eRunStatus.Pending, false,
            $"Pod {Shop} waits for a new node: cluster-autoscaler reports TriggeredScaleUp: pod triggered scale-up: [{{aks-e2epool-36854149-vmss 3->4 (max: 6)}}]" },
        { "TriggeredScaleUp is proof of an autoscaler, even where none was found", AutoscalerPresence.Absent, 120, ["ca-triggered-scale-up"], 30, E2eRunStatus.Pending, false, "waits for a new node" },
        { "a node that never comes: fails after the scale-up timeout", AutoscalerPresence.Present, 120, ["ca-triggered-scale-up"], 11 + (15 * 60) + 1, E2eRunStatus.Failed, false,
            "cluster-autoscaler reported TriggeredScaleUp at 2026-12-05 10:00:12Z (pod triggered scale-up: [{aks-e2epool-36854149-vmss 3->4 (max: 6)}]), and no node took the pod within 15 minutes." },
        { "the newest decision counts: a refusal after a scale-up", AutoscalerPresence.Present, 120, ["ca-triggered-scale-up", "ca-not-trigger-scale-up"], 120, E2eRunStatus.Failed, false, "NotTriggerScaleUp" },
        { "the newest decision counts: a scale-up after refusals", AutoscalerPresence.Present, 120, ["ca-not-trigger-scale-up", "ca-triggered-scale-up-later"], 130, E2eRunStatus.Pending, false, "6->7 (max: 8)" },

        // Karpenter, in the events.k8s.io shape.
        { "Karpenter's Nominated keeps the run pending", AutoscalerPresence.Present, 120, ["pod-failed-scheduling", "karpenter-nominated"], 60, E2eRunStatus.Pending, false,
            "karpenter reports Nominated: Pod should schedule on: nodeclaim/default-x7k2p" },
        { "Karpenter's own FailedScheduling fails at once", AutoscalerPresence.Present, 120, ["pod-failed-scheduling", "karpenter-failed-scheduling"], 5, E2eRunStatus.Failed, false,
            "karpenter reports FailedScheduling: Failed to schedule pod, incompatible with nodepool \"default\"" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void An_unschedulable_pod_waits_for_an_autoscaler_only_where_one_may_serve_it(
        string name, AutoscalerPresence autoscaler, int graceSeconds, string[] events, int secondsLater, E2eRunStatus status, bool lookedFor, string message)
    {
        var policy = new SchedulingPolicy(autoscaler, TimeSpan.FromSeconds(graceSeconds), SchedulingPolicy.DefaultScaleUpTimeout);
        var now = s_unschedulableSince.AddSeconds(secondsLater);

        var verdict = RunEvaluator.Evaluate(RunScenario.Job("active"), RunScenario.Pods(["unschedulable"]), RunScenario.Events(events), now, policy);

        Assert.True(status == verdict.Status, $"{name}: {verdict.Status}, expected {status} ({verdict.Message})");
        Assert.Equal(status == E2eRunStatus.Failed ? "Unschedulable" : null, verdict.Reason);
        Assert.Equal(lookedFor, verdict.AwaitingAutoscaler);
        Assert.Contains(message, verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listing_without_autoscaler_facts_waits_the_default_grace_period()
    {
        var pods = RunScenario.Pods(["unschedulable"]);

        var early = RunEvaluator.Evaluate(RunScenario.Job("active"), pods, [], s_unschedulableSince.AddSeconds(30));
        var late = RunEvaluator.Evaluate(RunScenario.Job("active"), pods, [], s_unschedulableSince.Add(SchedulingPolicy.DefaultGracePeriod).AddSeconds(1));

        Assert.Equal(E2eRunStatus.Pending, early.Status);
        Assert.Equal(E2eRunStatus.Failed, late.Status);
    }
}
