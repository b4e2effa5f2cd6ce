using E2ePs.Engine.Results;
using E2ePs.Engine.Tests.Fixtures;
using E2ePs.Engine.Tests.Verdicts;
using E2ePs.Engine.Waiting;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Failures;

/// <summary>
/// The kind of a failure, <see cref="FailureClassifier.Classify"/>: what <c>-RetryCount</c> retries
/// (Infrastructure), what only <c>-RetryOn TestFailure</c> retries, and what is never retried
/// (Configuration, a timeout, a cancellation). Each row goes the way a run goes: recorded Job and pods
/// (Fixtures/jobs.json, pods.json), the verdict on them, then the classification with the newest pod, as
/// RunBoard.Finish and TestInvoker do.
/// </summary>
public sealed class FailureKindTableTests
{
    /// <summary>name, Job, pods, failed test cases in the report → kind.</summary>
    public static TheoryData<string, string?, string[], int, E2eFailureKind> Rows => new()
    {
        // The test never ran: a retry may get past it.
        { "unschedulable (the autoscaler may add a node)", "active", ["unschedulable"], 0, E2eFailureKind.Infrastructure },
        { "ErrImagePull (a registry blip, an image still being pushed)", "active", ["image-pull-error"], 0, E2eFailureKind.Infrastructure },
        { "ImagePullBackOff", "active", ["image-pull-backoff"], 0, E2eFailureKind.Infrastructure },
        { "the clone image cannot be pulled", "active", ["init-image-pull-backoff"], 0, E2eFailureKind.Infrastructure },
        { "the clone failed (the network to the git host)", "active", ["init-failed"], 0, E2eFailureKind.Infrastructure },
        { "the clone failed behind BackoffLimitExceeded", "failed-backoff", ["init-failed"], 0, E2eFailureKind.Infrastructure },

        // The pod was taken away from its test.
        { "evicted by the kubelet for memory pressure", "failed-backoff", ["evicted"], 0, E2eFailureKind.Infrastructure },
        { "preempted by the scheduler", "failed-backoff", ["preempted"], 0, E2eFailureKind.Infrastructure },
        { "graceful node shutdown", "failed-backoff", ["node-shutdown"], 0, E2eFailureKind.Infrastructure },
        { "its node was lost and pod GC failed it", "failed-backoff", ["lost-node-gc"], 0, E2eFailureKind.Infrastructure },
        { "kubectl drain (the eviction API)", "failed-backoff", ["evicted-by-api"], 0, E2eFailureKind.Infrastructure },
        { "evicted from a lost node and still terminating", "failure-target-backoff-terminating", ["taint-evicted-terminating"], 0, E2eFailureKind.Infrastructure },
        { "an eviction in an earlier attempt does not excuse the last one's own failure", "failed-backoff-after-retries", ["evicted", "retry-3"], 0, E2eFailureKind.TestFailure },

        // The job definition cannot run: a retry fails the same way.
        { "an invalid image name", "active", ["invalid-image-name"], 0, E2eFailureKind.Configuration },
        { "a missing Secret", "active", ["config-error-secret"], 0, E2eFailureKind.Configuration },
        { "a missing Secret key", "active", ["config-error-key"], 0, E2eFailureKind.Configuration },

        // The test ran and failed on its own.
        { "exit code 1", "failed-backoff", ["failed-exit-1"], 0, E2eFailureKind.TestFailure },
        { "its memory limit (OOMKilled)", "failed-backoff", ["oom-killed"], 0, E2eFailureKind.TestFailure },
        { "its deadline", "failed-deadline", ["killed-at-deadline"], 0, E2eFailureKind.TestFailure },
        { "its deadline, its pod stopped gracefully before Failed", "failure-target-deadline", ["killed-at-deadline"], 0, E2eFailureKind.TestFailure },
        { "its deadline, its pod still terminating long after its grace period", "failure-target-deadline", ["terminating-at-deadline"], 0, E2eFailureKind.TestFailure },
        { "a FailJob rule of the pod failure policy", "failed-pod-failure-policy", ["failed-exit-42"], 0, E2eFailureKind.TestFailure },
        { "three attempts that all failed", "failed-backoff-after-retries", ["retry-1", "retry-2", "retry-3"], 0, E2eFailureKind.TestFailure },
        { "failed with its pods gone (ttl)", "failed-backoff", [], 0, E2eFailureKind.TestFailure },
        { "exit code 0 with failed cases in its report", "complete", ["succeeded"], 2, E2eFailureKind.TestFailure },

        // Not a failure, or not one to retry.
        { "Complete", "complete", ["succeeded"], 0, E2eFailureKind.None },
        { "still running", "active", ["running"], 0, E2eFailureKind.None },
        { "the Job was deleted under it", null, ["running"], 0, E2eFailureKind.Cancelled },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_recorded_run_fails_for_the_reason_its_objects_show(string name, string? job, string[] pods, int failedCases, E2eFailureKind expected)
    {
        var podObjects = RunScenario.Pods(pods);
        var verdict = RunEvaluator.Evaluate(RunScenario.Job(job), podObjects, [], RunScenario.Now);
        var run = new E2eRun { Status = verdict.Status, Reason = verdict.Reason, ExitCode = verdict.ExitCode };
        var newest = podObjects.OrderBy(p => p.Metadata.CreationTimestamp).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).LastOrDefault();
        var report = new E2eTestResult { Cases = Enumerable.Range(0, failedCases).Select(i => new E2eTestCase { Name = $"case{i}", Outcome = E2eTestOutcome.Failed }).ToList() };

        var kind = FailureClassifier.Classify(run, newest, report);

        Assert.True(expected == kind, $"{name}: {kind}, expected {expected} (verdict {verdict.Status} {verdict.Reason})");
    }

    /// <summary>A volume's Secret or ConfigMap that does not exist is the job's configuration, as a missing env Secret is.</summary>
    [Theory]
    [InlineData("pod-failed-mount")]
    [InlineData("pod-failed-mount-configmap")]
    [InlineData("pod-failed-mount-key")]
    public void A_volume_whose_object_is_missing_is_a_configuration_failure(string failedMount)
    {
        var pods = RunScenario.Pods(["container-creating"]);
        var verdict = RunEvaluator.Evaluate(RunScenario.Job("active"), pods, RunScenario.Events([failedMount]), RunScenario.Now);

        var kind = FailureClassifier.Classify(new E2eRun { Status = verdict.Status, Reason = verdict.Reason }, pods[0], null);

        Assert.Equal(E2eFailureKind.Configuration, kind);
        Assert.True(verdict.ObjectMissing);
    }

    /// <summary>
    /// A pod the Job counted loses its tracking finalizer and is gone: Invoke-E2eTest, which lists the pods again after
    /// the wait, finds none, so the kind must follow from the verdict the waiter reached while it still saw the pod.
    /// </summary>
    [Theory]
    [InlineData("evicted-by-api")]
    [InlineData("evicted")]
    [InlineData("preempted")]
    [InlineData("lost-node-gc")]
    [InlineData("node-shutdown")]
    public void A_disruption_is_infrastructure_even_once_the_pod_is_gone(string pod)
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job("failed-backoff"), RunScenario.Pods([pod]), [], RunScenario.Now);
        var run = new E2eRun { Status = verdict.Status, Reason = verdict.Reason, ExitCode = verdict.ExitCode };

        Assert.Equal(E2eFailureKind.Infrastructure, FailureClassifier.Classify(run, lastPod: null, null));
    }

    /// <summary>Statuses the waiter sets itself, whatever the objects say.</summary>
    [Theory]
    [InlineData(E2eRunStatus.TimedOut, E2eFailureKind.TimedOut)]
    [InlineData(E2eRunStatus.Cancelled, E2eFailureKind.Cancelled)]
    [InlineData(E2eRunStatus.Pending, E2eFailureKind.None)]
    public void A_timeout_or_a_cancellation_is_never_retried(E2eRunStatus status, E2eFailureKind expected) =>
        Assert.Equal(expected, FailureClassifier.Classify(new E2eRun { Status = status, Reason = "BackoffLimitExceeded" }, Recorded.Pod("evicted"), null));

    /// <summary>pod → taken away from its test or not.</summary>
    [Theory]
    [InlineData("evicted", true)]
    [InlineData("preempted", true)]
    [InlineData("node-shutdown", true)]
    [InlineData("lost-node-gc", true)]
    [InlineData("failed-exit-1", false)]
    [InlineData("oom-killed", false)]
    [InlineData("killed-at-deadline", false)]
    [InlineData("init-failed", false)]
    [InlineData("running", false)]
    public void Disruption_is_read_from_the_pod_reason_or_the_DisruptionTarget_condition(string pod, bool takenAway) =>
        Assert.Equal(takenAway, FailureClassifier.WasTakenAway(Recorded.Pod(pod)));
}
