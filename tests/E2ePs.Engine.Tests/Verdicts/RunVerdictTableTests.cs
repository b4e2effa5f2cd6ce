using E2ePs.Engine.Waiting;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Verdicts;

/// <summary>
/// The verdict on a run, <see cref="RunEvaluator.Evaluate"/>, over Jobs, pods and events recorded as the API
/// server returns them (Fixtures/jobs.json, pods.json, events.json; each file's header names the Kubernetes
/// source of its shapes). One row is one moment of a run.
/// </summary>
public sealed class RunVerdictTableTests
{
    private const string Shop = "test-shop-e2e-7x2kq";
    private const string Later = "test-shop-e2e-n3w9p";

    /// <summary>name, Job, pods, events → status, reason, exit code, a part of the message (null: no message).</summary>
    public static TheoryData<string, string?, string[], string[], E2eRunStatus, string?, int?, string?> Rows => new()
    {
        // The Job is gone.
        { "Job deleted before any pod", null, [], [], E2eRunStatus.Failed, "JobDeleted", null, "The Job was deleted before it finished." },
        { "Job deleted after its test failed: the exit code is kept", null, ["failed-exit-1"], [], E2eRunStatus.Failed, "JobDeleted", 1, "deleted before it finished" },

        // No pod yet.
        { "a new Job without a pod waits", "no-pods-yet", [], [], E2eRunStatus.Pending, null, null, "Waiting for the Job's pod." },
        { "a Job whose pod the quota has refused for half an hour fails (AdmissionVerdictTableTests has the rest)", "no-pods-yet", [], ["job-successful-create", "job-failed-create-quota"], E2eRunStatus.Failed, "QuotaExceeded", null,
            "is forbidden: exceeded quota: e2e-quota" },
        { "another Job's FailedCreate says nothing about this one", "no-pods-yet", [], ["job-failed-create-other-job"], E2eRunStatus.Pending, null, null, "Waiting for the Job's pod." },
        { "a normal event is no reason", "no-pods-yet", [], ["job-successful-create"], E2eRunStatus.Pending, null, null, "Waiting for the Job's pod." },
        { "a suspended Job waits", "suspended", [], [], E2eRunStatus.Pending, null, null, "Waiting for the Job's pod." },

        // The pod cannot start: fail fast.
        { "unschedulable for half an hour with no autoscaler's word: the scheduler's sentence", "active", ["unschedulable"], ["pod-failed-scheduling"], E2eRunStatus.Failed, "Unschedulable", null,
            $"Pod {Shop} cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory." },
        { "ErrImagePull names the image and the runtime's error", "active", ["image-pull-error"], [], E2eRunStatus.Failed, "ErrImagePull", null,
            $"Container test-runner of pod {Shop} cannot pull image registry.example.com/shop/test-shop-e2e:3f9c2a1: rpc error: code = NotFound" },
        { "ImagePullBackOff", "active", ["image-pull-backoff"], [], E2eRunStatus.Failed, "ImagePullBackOff", null, "Back-off pulling image \"registry.example.com/shop/test-shop-e2e:3f9c2a1\"" },
        { "the clone image cannot be pulled", "active", ["init-image-pull-backoff"], [], E2eRunStatus.Failed, "ImagePullBackOff", null,
            $"Container clone-repo of pod {Shop} cannot pull image docker.io/alpine/git:v2.47.2" },
        { "an invalid image name", "active", ["invalid-image-name"], [], E2eRunStatus.Failed, "InvalidImageName", null, "must be lowercase" },
        { "a missing Secret", "active", ["config-error-secret"], [], E2eRunStatus.Failed, "CreateContainerConfigError", null,
            $"Container test-runner of pod {Shop} cannot be created: secret \"shop-credentials\" not found" },
        { "a missing Secret key", "active", ["config-error-key"], [], E2eRunStatus.Failed, "CreateContainerConfigError", null, "couldn't find key token in Secret e2e/shop-credentials" },
        { "the clone failed", "active", ["init-failed"], [], E2eRunStatus.Failed, "InitContainerFailed", null, $"Init container clone-repo of pod {Shop} exited with code 128 (Error)." },
        { "the clone failed and the Job says BackoffLimitExceeded: the clone is the cause", "failed-backoff", ["init-failed"], [], E2eRunStatus.Failed, "InitContainerFailed", null, "exited with code 128" },

        // Still going.
        { "the clone is running", "active", ["init-running"], [], E2eRunStatus.Pending, null, null, null },
        { "a volume whose Secret is missing fails as configuration, naming the Secret and how to create it", "active", ["container-creating"], ["pod-scheduled", "pod-failed-mount"], E2eRunStatus.Failed, "FailedMount", null,
            $"Pod {Shop} cannot start: its volume 'git-credentials' needs the Secret 'shop-git', which does not exist in namespace 'e2e' (kubelet: MountVolume.SetUp failed for volume \"git-credentials\" : secret \"shop-git\" not found). Create it (kubectl create secret generic shop-git -n e2e" },
        { "a volume whose ConfigMap is missing", "active", ["container-creating"], ["pod-failed-mount-configmap"], E2eRunStatus.Failed, "FailedMount", null,
            "its volume 'settings' needs the ConfigMap 'shop-settings', which does not exist in namespace 'e2e'" },
        { "a volume's Secret lacks an item's key", "active", ["container-creating"], ["pod-failed-mount-key"], E2eRunStatus.Failed, "FailedMount", null,
            "its volume 'git-credentials' needs the key 'password' of the Secret 'shop-git' in namespace 'e2e', which it does not have" },
        { "the same pod without events waits silently", "active", ["container-creating"], [], E2eRunStatus.Pending, null, null, null },
        { "the test is running", "active", ["running"], ["pod-failed-mount"], E2eRunStatus.Running, null, null, null },
        { "an evicted pod of a Job the controller still counts active is running until the Job decides", "active", ["evicted"], [], E2eRunStatus.Running, null, 137, null },
        { "a pod of a lost node, marked Failed by pod GC, while the Job is active", "active", ["lost-node-gc"], [], E2eRunStatus.Running, null, null, null },
        { "a new attempt after an eviction decides, not the evicted pod", "active", [$"running@{Later}@2026-12-05T10:02:50Z", "evicted"], [], E2eRunStatus.Running, null, null, null },
        { "a new attempt after a failed clone decides", "active", ["init-failed", $"running@{Later}@2026-12-05T10:02:50Z"], [], E2eRunStatus.Running, null, null, null },

        // Succeeded.
        { "SuccessCriteriaMet already decides, before Complete", "success-criteria-met", ["succeeded"], [], E2eRunStatus.Succeeded, null, 0, "The Job completed." },
        { "Complete", "complete", ["succeeded"], [], E2eRunStatus.Succeeded, null, 0, "The Job completed." },
        { "Complete with its pods gone counts exit code 0", "complete", [], [], E2eRunStatus.Succeeded, null, 0, "The Job completed." },

        // Failed by the Job.
        { "FailureTarget already decides, before Failed", "failure-target-backoff", ["failed-exit-1"], [], E2eRunStatus.Failed, "BackoffLimitExceeded", 1,
            "Job has reached the specified backoff limit: the test container exited with code 1 (Error) after 1 attempt(s)." },
        { "BackoffLimitExceeded names the exit code", "failed-backoff", ["failed-exit-1"], [], E2eRunStatus.Failed, "BackoffLimitExceeded", 1, "exited with code 1 (Error) after 1 attempt(s)" },
        { "an OOM kill is the reason behind BackoffLimitExceeded", "failed-backoff", ["oom-killed"], [], E2eRunStatus.Failed, "OOMKilled", 137,
            "The test container was killed for using more memory than its limit. Job has reached the specified backoff limit" },
        { "BackoffLimitExceeded with the pods gone (ttl)", "failed-backoff", [], [], E2eRunStatus.Failed, "BackoffLimitExceeded", null, "Job has reached the specified backoff limit" },
        { "three attempts, given out of order: the last one's exit code", "failed-backoff-after-retries", ["retry-3", "retry-1", "retry-2"], [], E2eRunStatus.Failed, "BackoffLimitExceeded", 3,
            "exited with code 3 (Error) after 3 attempt(s)" },
        // A pod taken away from its test: the disruption is the reason (RunEvaluator.Termination.cs).
        { "an evicted pod behind BackoffLimitExceeded", "failed-backoff", ["evicted"], [], E2eRunStatus.Failed, "Evicted", 137, "exited with code 137 (Error)" },
        { "a preempted pod behind BackoffLimitExceeded", "failed-backoff", ["preempted"], [], E2eRunStatus.Failed, "Preempted", 143, "exited with code 143 (Error)" },
        { "a lost node's pod behind BackoffLimitExceeded has no exit code", "failed-backoff", ["lost-node-gc"], [], E2eRunStatus.Failed, "NodeLost", null, "the Job failed: Job has reached the specified backoff limit." },
        { "kubectl drain evicted the pod: the eviction API's condition", "failed-backoff", ["evicted-by-api"], [], E2eRunStatus.Failed, "Evicted", 143,
            $"Pod {Shop} was taken away from its test (EvictionByEvictionAPI: Eviction API: evicting), and the Job failed: Job has reached the specified backoff limit. The test container exited with code 143 (Error)." },

        // Graceful termination: FailureTarget waits for the pod to stop, within its grace period and a margin.
        { "FailureTarget at the deadline while the pod terminates: the run goes on", "failure-target-deadline", ["terminating-in-grace"], [], E2eRunStatus.Running, null, null,
            $"The Job failed (DeadlineExceeded: Job was active longer than specified deadline); pod {Shop} is terminating: its grace period of 30 s ends at 2026-12-05 10:30:20Z." },
        { "once the pod has stopped: DeadlineExceeded with its exit code", "failure-target-deadline", ["killed-at-deadline"], [], E2eRunStatus.Failed, "DeadlineExceeded", 143, "Job was active longer than specified deadline" },
        { "a pod still terminating 30 s after its grace period: stuck, not a timeout", "failure-target-deadline", ["terminating-at-deadline"], [], E2eRunStatus.Failed, "PodStillTerminating", null,
            $"but pod {Shop} is still terminating 30 s after its grace period of 30 s ended at 2026-12-05 10:29:30Z: its node may be unreachable" },
        { "a pod evicted from a lost node never stops: stuck, with its disruption", "failure-target-backoff-terminating", ["taint-evicted-terminating"], [], E2eRunStatus.Failed, "PodStillTerminating", null,
            "(it was disrupted: DeletionByTaintManager: Taint manager: deleting due to NoExecute taint)" },
        { "DeadlineExceeded: the test was killed with SIGTERM", "failed-deadline", ["killed-at-deadline"], [], E2eRunStatus.Failed, "DeadlineExceeded", 143, "Job was active longer than specified deadline" },
        { "a pod failure policy's FailJob rule", "failed-pod-failure-policy", ["failed-exit-42"], [], E2eRunStatus.Failed, "PodFailurePolicy", 42,
            "Container test-runner for pod e2e/test-shop-e2e-7x2kq failed with exit code 42 matching FailJob rule at index 0" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_verdict_follows_the_recorded_objects(string name, string? job, string[] pods, string[] events, E2eRunStatus status, string? reason, int? exitCode, string? message)
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job(job), RunScenario.Pods(pods), RunScenario.Events(events), RunScenario.Now);

        Assert.True(status == verdict.Status, $"{name}: {verdict.Status}, expected {status} ({verdict.Message})");
        Assert.Equal(reason, verdict.Reason);
        Assert.Equal(exitCode, verdict.ExitCode);
        if (message is null)
        {
            Assert.Null(verdict.Message);
        }
        else
        {
            Assert.Contains(message, verdict.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>name, Job, pods → when the run ended (null while it goes on; "now" when the objects carry no time).</summary>
    public static TheoryData<string, string?, string[], string?> Times => new()
    {
        { "Complete: the Job's completionTime", "complete", ["succeeded"], "2026-12-05T10:04:11Z" },
        { "SuccessCriteriaMet, no completionTime yet: the condition's transition", "success-criteria-met", ["succeeded"], "2026-12-05T10:04:10Z" },
        { "Failed: the first failure condition's transition (FailureTarget)", "failed-backoff", ["failed-exit-1"], "2026-12-05T10:03:30Z" },
        { "a failed clone: when it finished", "active", ["init-failed"], "2026-12-05T10:00:05Z" },
        { "unschedulable: now", "active", ["unschedulable"], "now" },
        { "image pull: now", "active", ["image-pull-backoff"], "now" },
        { "deleted: now", null, [], "now" },
        { "running: none", "active", ["running"], null },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void The_completion_time_comes_from_the_objects_or_from_now(string name, string? job, string[] pods, string? expected)
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job(job), RunScenario.Pods(pods), [], RunScenario.Now);

        var want = expected switch
        {
            null => (DateTimeOffset?)null,
            "now" => RunScenario.Now,
            _ => DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.True(want == verdict.CompletionTime, $"{name}: {verdict.CompletionTime}, expected {want}");
    }

    /// <summary>name, Job, pods → what the waiter does next: read the pods again, apply the pull grace period, read an init container's log.</summary>
    public static TheoryData<string, string?, string[], bool, bool, string?> Follow_ups => new()
    {
        { "failed by the Job: read the pods' last state again", "failed-backoff", ["failed-exit-1"], true, false, null },
        { "failed by the Job, pods not seen yet", "failure-target-backoff", [], true, false, null },
        { "image pull: the grace period applies", "active", ["image-pull-error"], false, true, null },
        { "an invalid image name is treated as a pull failure too", "active", ["invalid-image-name"], false, true, null },
        { "a missing Secret has no grace period", "active", ["config-error-secret"], false, false, null },
        { "a failed clone: read its log tail", "active", ["init-failed"], false, false, "test-shop-e2e-7x2kq/clone-repo" },
        { "a failed clone behind the Job's failure: both", "failed-backoff", ["init-failed"], true, false, "test-shop-e2e-7x2kq/clone-repo" },
        { "Complete: nothing", "complete", ["succeeded"], false, false, null },
    };

    [Theory]
    [MemberData(nameof(Follow_ups))]
    public void The_verdict_says_what_to_read_next(string name, string? job, string[] pods, bool failedByJob, bool imagePull, string? initContainer)
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job(job), RunScenario.Pods(pods), [], RunScenario.Now);

        Assert.True(failedByJob == verdict.FailedByJob, $"{name}: FailedByJob {verdict.FailedByJob}");
        Assert.Equal(imagePull, verdict.ImagePullFailing);
        Assert.Equal(initContainer, verdict.FailedInitContainer is { } c ? $"{c.Pod}/{c.Container}" : null);
    }

    [Theory]
    [InlineData(1, E2eRunStatus.Running, null)]
    [InlineData(6, E2eRunStatus.Failed, "DeadlineExceeded")]
    public void Failed_while_this_view_still_has_the_pod_running_waits_briefly_for_its_final_state(int secondsAfterFailed, E2eRunStatus status, string? reason)
    {
        // The Jobs watch delivered Failed (set only once no pod terminates) before the pods watch delivered the pod's stop.
        var job = RunScenario.Job("failed-deadline")!;
        var failedAt = new DateTimeOffset(job.Status.Conditions.Single(c => c.Type == "Failed").LastTransitionTime!.Value, TimeSpan.Zero);

        var verdict = RunEvaluator.Evaluate(job, RunScenario.Pods(["terminating-in-grace"]), [], failedAt.AddSeconds(secondsAfterFailed));

        Assert.Equal((status, reason, (int?)null), (verdict.Status, verdict.Reason, verdict.ExitCode));
        Assert.Contains(status == E2eRunStatus.Running ? $"waiting for the final state of pod {Shop}" : "Job was active longer than specified deadline", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pods_are_named_in_creation_order_whatever_order_the_list_gives()
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job("failed-backoff-after-retries"), RunScenario.Pods(["retry-2", "retry-3", "retry-1"]), [], RunScenario.Now);

        Assert.Equal(["test-shop-e2e-4fq9d", "test-shop-e2e-b8r2m", "test-shop-e2e-zz1aa"], verdict.PodNames);
    }
}
