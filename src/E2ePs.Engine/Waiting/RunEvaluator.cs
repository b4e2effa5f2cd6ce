using E2ePs.Engine.Manifests;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// Decides from a Job, its pods and the events about them whether a run succeeded, failed or still goes
/// on, and fails fast where it cannot succeed: image pull failures, an unschedulable pod that no autoscaler
/// serves (<see cref="SchedulingVerdict"/>), a volume whose Secret or ConfigMap is missing (<see cref="MountVerdict"/>),
/// a failed init container, a container that cannot be created. Pure: no clock (the caller passes <c>now</c>), no
/// requests; the same objects always give the same verdict, so it is tested with tables of recorded
/// objects (tests/E2ePs.Engine.Tests/Verdicts).
/// </summary>
/// <remarks>
/// The conditions are those of the Job controller (kubernetes/kubernetes pkg/controller/job/job_controller.go):
/// since 1.31 a Job first gets the interim FailureTarget or SuccessCriteriaMet condition and only later
/// Failed or Complete; the interim one already decides, since the controller never takes it back.
/// </remarks>
public static partial class RunEvaluator
{
    private static readonly HashSet<string> s_pullFailures = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"];
    private static readonly HashSet<string> s_configFailures = ["CreateContainerConfigError", "CreateContainerError"];

    // Warnings that keep a pod or a Job's pods from starting without changing any status field: the
    // Job controller's FailedCreate (quota, admission), the kubelet's FailedMount, the scheduler's
    // FailedScheduling. They explain a Pending run; they never decide one, since each may clear up.
    private static readonly HashSet<string> s_pendingWarnings = new(StringComparer.Ordinal) { "FailedCreate", "FailedMount", "FailedAttachVolume", "FailedScheduling" };

    /// <summary>
    /// The verdict on a run from its Job (null when deleted), its pods and the events about them, at
    /// <paramref name="now"/>, the time given to verdicts that the objects carry no time for.
    /// </summary>
    public static RunVerdict Evaluate(V1Job? job, IReadOnlyCollection<V1Pod> pods, IReadOnlyCollection<Corev1Event> events, DateTimeOffset now) =>
        Evaluate(job, pods, events, now, SchedulingPolicy.Default);

    /// <summary>
    /// The verdict, with <paramref name="scheduling"/> saying what is known of the cluster's autoscaler and how long an
    /// Unschedulable pod may wait for one (<see cref="SchedulingVerdict"/>).
    /// </summary>
    public static RunVerdict Evaluate(V1Job? job, IReadOnlyCollection<V1Pod> pods, IReadOnlyCollection<Corev1Event> events, DateTimeOffset now, SchedulingPolicy scheduling)
    {
        ArgumentNullException.ThrowIfNull(scheduling);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(events);
        var ordered = pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        var names = ordered.Select(p => p.Metadata.Name).ToList();
        var latest = ordered.LastOrDefault();
        var exitCode = TestContainerExit(latest)?.ExitCode;
        var lastTermination = ordered.Select(TestContainerExit).LastOrDefault(t => t is not null);

        if (job is null)
        {
            return new RunVerdict(E2eRunStatus.Failed, "JobDeleted", "The Job was deleted before it finished.", exitCode, names, now);
        }

        var conditions = job.Status?.Conditions ?? [];
        var complete = conditions.FirstOrDefault(c => c.Status == "True" && c.Type is "Complete" or "SuccessCriteriaMet");
        if (complete is not null)
        {
            return new RunVerdict(E2eRunStatus.Succeeded, null, "The Job completed.", exitCode ?? 0, names, Time(job.Status?.CompletionTime) ?? Time(complete.LastTransitionTime));
        }

        var failed = conditions.FirstOrDefault(c => c.Status == "True" && c.Type is "Failed" or "FailureTarget");
        if (failed is not null && AwaitTermination(conditions, failed, ordered, names, now) is { } terminating)
        {
            // Graceful termination (RunEvaluator.Termination.cs): the final state and exit code come when the pod has stopped.
            return terminating;
        }

        if (failed is not null && InitFailure(latest, names, now) is { } failedClone)
        {
            // The Job only says its retries ran out; the init container says why.
            return failedClone with { FailedByJob = true };
        }

        if (failed is not null && TakenAway(failed, latest, lastTermination, names, now) is { } takenAway)
        {
            return takenAway;
        }

        if (failed is not null)
        {
            // An OOM kill says more than "BackoffLimitExceeded", which only says that retries ran out.
            var oom = lastTermination?.Reason == "OOMKilled";
            var reason = oom && failed.Reason == "BackoffLimitExceeded" ? "OOMKilled" : failed.Reason;
            var message = oom ? $"The test container was killed for using more memory than its limit. {failed.Message}" : failed.Message;
            if (lastTermination is { } t && !oom && failed.Reason == "BackoffLimitExceeded")
            {
                message = $"{failed.Message}: the test container exited with code {t.ExitCode} ({t.Reason}) after {names.Count} attempt(s).";
            }

            return new RunVerdict(E2eRunStatus.Failed, reason, message, lastTermination?.ExitCode, names, Time(failed.LastTransitionTime) ?? now)
            {
                FailedByJob = true,
            };
        }

        if (latest is null)
        {
            if (AdmissionVerdict.Decide(job, events, names, now) is { } refused)
            {
                return refused;
            }

            var cannotCreate = LatestWarning(events, job.Metadata?.Uid, "Job", job.Metadata?.Name);
            var waitingMessage = cannotCreate is null
                ? "Waiting for the Job's pod."
                : $"Waiting for the Job's pod: {cannotCreate.Source?.Component ?? cannotCreate.ReportingComponent} reports {cannotCreate.Reason}: {cannotCreate.Message}";
            return new RunVerdict(E2eRunStatus.Pending, null, waitingMessage, null, names, null);
        }

        var unschedulable = latest.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable");
        if (unschedulable is not null)
        {
            return SchedulingVerdict.Decide(latest, unschedulable, events, names, scheduling, now);
        }

        if (InitFailure(latest, names, now) is { } initFailure)
        {
            return initFailure;
        }

        var statuses = (latest.Status?.InitContainerStatuses ?? []).Concat(latest.Status?.ContainerStatuses ?? []);
        foreach (var status in statuses)
        {
            var waiting = status.State?.Waiting;
            if (waiting?.Reason is { } reason && s_pullFailures.Contains(reason))
            {
                var image = status.Image ?? latest.Spec?.Containers?.FirstOrDefault(c => c.Name == status.Name)?.Image;
                return new RunVerdict(E2eRunStatus.Failed, reason,
                    $"Container {status.Name} of pod {latest.Metadata.Name} cannot pull image {image}: {waiting.Message}", null, names, now)
                {
                    ImagePullFailing = true,
                };
            }

            if (waiting?.Reason is { } configReason && s_configFailures.Contains(configReason))
            {
                return new RunVerdict(E2eRunStatus.Failed, configReason,
                    $"Container {status.Name} of pod {latest.Metadata.Name} cannot be created: {waiting.Message}", null, names, now);
            }
        }

        var running = latest.Status?.Phase == "Running" || (job.Status?.Active ?? 0) > 0 && latest.Status?.Phase != "Pending";
        if (!running && MountVerdict.Decide(latest, events, names, now) is { } missingObject)
        {
            return missingObject;
        }

        var stuck = running ? null : LatestWarning(events, latest.Metadata?.Uid, "Pod", latest.Metadata?.Name);
        var why = stuck is null ? null : $"Pod {latest.Metadata?.Name} is waiting: {stuck.Reason}: {stuck.Message}";
        return new RunVerdict(running ? E2eRunStatus.Running : E2eRunStatus.Pending, null, why, exitCode, names, null);
    }

    /// <summary>The newest warning that keeps the object from starting its pods or containers, if any.</summary>
    private static Corev1Event? LatestWarning(IReadOnlyCollection<Corev1Event> events, string? uid, string kind, string? name) =>
        events
            .Where(e => e.Type == "Warning" && e.Reason is { } reason && s_pendingWarnings.Contains(reason))
            .Where(e => e.InvolvedObject?.Kind == kind && (uid is not null && e.InvolvedObject.Uid is not null ? e.InvolvedObject.Uid == uid : e.InvolvedObject.Name == name))
            // Recorder events carry lastTimestamp; events.k8s.io ones only eventTime. Equal times keep the list's order.
            .OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .LastOrDefault();

    private static RunVerdict? InitFailure(V1Pod? pod, IReadOnlyList<string> names, DateTimeOffset now)
    {
        foreach (var init in pod?.Status?.InitContainerStatuses ?? [])
        {
            if (init.State?.Terminated is { ExitCode: not 0 } terminated)
            {
                return new RunVerdict(E2eRunStatus.Failed, "InitContainerFailed",
                    $"Init container {init.Name} of pod {pod!.Metadata.Name} exited with code {terminated.ExitCode} ({terminated.Reason}).",
                    null, names, Time(terminated.FinishedAt) ?? now)
                {
                    FailedInitContainer = (pod.Metadata.Name, init.Name),
                };
            }
        }

        return null;
    }

    private static V1ContainerStateTerminated? TestContainerExit(V1Pod? pod)
    {
        var statuses = pod?.Status?.ContainerStatuses;
        var status = statuses?.FirstOrDefault(s => s.Name == JobLabels.TestContainer) ?? statuses?.FirstOrDefault();
        return status?.State?.Terminated ?? status?.LastState?.Terminated;
    }

    private static DateTimeOffset? Time(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
