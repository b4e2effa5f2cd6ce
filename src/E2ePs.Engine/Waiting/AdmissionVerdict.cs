using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// The verdict on a run whose Job has no pod because the API server refuses the job controller's pod creates. Admission
/// applies to pods, not to Jobs: the Job is created (with warnings), and each create of its pod is refused; the job
/// controller records a FailedCreate warning event, "Error creating: &lt;the API server's message&gt;"
/// (kubernetes/kubernetes pkg/controller/controller_utils.go, CreatePodsWithGenerateName), sets no condition and tries again
/// with a back-off of 1 s doubling to 1 minute (pkg/controller/job/job_controller.go). Which refusals last decides:
/// <list type="bullet">
/// <item>Pod Security ("violates PodSecurity"): the pod template breaks the namespace's enforce level, and every retry is
/// refused until the namespace's labels or the manifest change. Fails at once, Configuration.</item>
/// <item>ResourceQuota "must specify": a quota limits cpu or memory and a container states no request or limit for it
/// (pkg/quota/v1/evaluator/core/pods.go); no retry changes the template. Fails at once, Configuration.</item>
/// <item>ResourceQuota "exceeded quota": other pods of the namespace use the quota now and it frees when they end; the
/// job controller's next try (at most a minute later) then succeeds. Waits <see cref="QuotaWait"/> from the first refusal,
/// then fails, Infrastructure (Invoke-E2eTest may retry later).</item>
/// </list>
/// Other refusals (webhooks, LimitRange) stay Pending with the event's message, as before.
/// </summary>
public static class AdmissionVerdict
{
    /// <summary>
    /// How long a run may wait for quota: two of the job controller's longest back-offs, so a quota freed within the first
    /// minute is always seen, yet a namespace filled by others does not hold a CI job until its timeout.
    /// </summary>
    public static readonly TimeSpan QuotaWait = TimeSpan.FromMinutes(2);

    /// <summary>Reason of a run whose pods Pod Security admission refuses.</summary>
    public const string PodSecurityForbidden = "PodSecurityForbidden";

    /// <summary>Reason of a run whose pods a ResourceQuota refuses for lack of requests or limits.</summary>
    public const string QuotaRequiresResources = "QuotaRequiresResources";

    /// <summary>Reason of a run whose pods a full ResourceQuota refused for longer than <see cref="QuotaWait"/>.</summary>
    public const string QuotaExceeded = "QuotaExceeded";

    private const string EventPrefix = "Error creating: ";

    /// <summary>The kind of failure of an admission reason, or null for a reason that is not one of these.</summary>
    public static E2eFailureKind? KindOf(string? reason) => reason switch
    {
        PodSecurityForbidden or QuotaRequiresResources => E2eFailureKind.Configuration,
        QuotaExceeded => E2eFailureKind.Infrastructure,
        _ => null,
    };

    /// <summary>The failed verdict on a Job that has no pod because its pod creates are refused for good, or null.</summary>
    public static RunVerdict? Decide(V1Job job, IReadOnlyCollection<Corev1Event> events, IReadOnlyList<string> names, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var refusals = events
            .Where(e => e.Type == "Warning" && e.Reason == "FailedCreate" && e.InvolvedObject?.Kind == "Job")
            .Where(e => job.Metadata?.Uid is { } uid && e.InvolvedObject.Uid is not null ? e.InvolvedObject.Uid == uid : e.InvolvedObject.Name == job.Metadata?.Name)
            .OrderBy(LastSeen)
            .ToList();
        if (refusals.Count == 0)
        {
            return null;
        }

        var latest = refusals[^1];
        var message = latest.Message ?? "";
        // The recorder's correlator prefixes a repeated message with "(combined from similar events): " after ten of them.
        var at = message.IndexOf(EventPrefix, StringComparison.Ordinal);
        var refusal = at >= 0 ? message[(at + EventPrefix.Length)..] : message;
        var where = $"{job.Metadata?.NamespaceProperty}/{job.Metadata?.Name}";
        if (refusal.Contains("violates PodSecurity ", StringComparison.Ordinal))
        {
            return new RunVerdict(E2eRunStatus.Failed, PodSecurityForbidden,
                $"Pod Security admission refuses the pods of Job {where}: {refusal}", null, names, LastSeen(latest) ?? now);
        }

        if (refusal.Contains("failed quota: ", StringComparison.Ordinal) && refusal.Contains("must specify ", StringComparison.Ordinal))
        {
            return new RunVerdict(E2eRunStatus.Failed, QuotaRequiresResources,
                $"A ResourceQuota refuses the pods of Job {where} because a container states no request or limit it needs: {refusal}", null, names, LastSeen(latest) ?? now);
        }

        if (refusal.Contains("exceeded quota: ", StringComparison.Ordinal))
        {
            var since = refusals.Where(e => (e.Message ?? "").Contains("exceeded quota: ", StringComparison.Ordinal)).Select(FirstSeen).Min() ?? now;
            if (now - since >= QuotaWait)
            {
                return new RunVerdict(E2eRunStatus.Failed, QuotaExceeded,
                    $"The pods of Job {where} were refused for {Math.Round((now - since).TotalSeconds)} s because the namespace's ResourceQuota is used up: {refusal}", null, names, now);
            }
        }

        return null;
    }

    // Recorder events carry first/lastTimestamp; events.k8s.io ones eventTime (and series.lastObservedTime, not in core/v1).
    private static DateTimeOffset? FirstSeen(Corev1Event e) => Utc(e.FirstTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp);

    private static DateTimeOffset? LastSeen(Corev1Event e) => Utc(e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp);

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
