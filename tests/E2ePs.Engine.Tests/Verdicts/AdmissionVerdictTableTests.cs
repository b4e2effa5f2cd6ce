using E2ePs.Engine.Results;
using E2ePs.Engine.Tests.Fixtures;
using E2ePs.Engine.Waiting;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Verdicts;

/// <summary>
/// The verdict on a Job whose pod creates the API server refuses (<see cref="AdmissionVerdict"/> through
/// <see cref="RunEvaluator.Evaluate"/>) and the kind of failure it is, over the job controller's FailedCreate events
/// recorded as the API server returns them (Fixtures/admission-events.json; its header names the sources), at
/// <see cref="RunScenario.Now"/> (10:30:00).
/// </summary>
public sealed class AdmissionVerdictTableTests
{
    /// <summary>name, events (a key of admission-events.json, or "events:" and a key of events.json) → status, reason, part of the message, failure kind.</summary>
    public static TheoryData<string, string[], E2eRunStatus, string?, string, E2eFailureKind> Rows => new()
    {
        { "Pod Security refuses the pods: fail at once with the admission's own message", ["psa-restricted"], E2eRunStatus.Failed, AdmissionVerdict.PodSecurityForbidden,
            "Pod Security admission refuses the pods of Job e2e/test-shop-e2e: pods \"test-shop-e2e-x7k2p\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false",
            E2eFailureKind.Configuration },
        { "a quota that needs requests the containers do not state: fail at once", ["quota-must-specify"], E2eRunStatus.Failed, AdmissionVerdict.QuotaRequiresResources,
            "failed quota: e2e-quota: must specify limits.cpu,limits.memory", E2eFailureKind.Configuration },
        { "a full quota for a minute: wait, saying why", ["quota-exceeded-recent"], E2eRunStatus.Pending, null,
            "Waiting for the Job's pod: job-controller reports FailedCreate: Error creating: pods \"test-shop-e2e-q9w8e\" is forbidden: exceeded quota: e2e-quota", E2eFailureKind.None },
        { "a full quota for two and a half minutes: the bounded wait is over", ["quota-exceeded-long"], E2eRunStatus.Failed, AdmissionVerdict.QuotaExceeded,
            "were refused for 150 s because the namespace's ResourceQuota is used up: pods \"test-shop-e2e-z1x2c\" is forbidden: exceeded quota: e2e-quota, requested: pods=1, used: pods=10, limited: pods=10",
            E2eFailureKind.Infrastructure },
        { "the quota refused for half an hour (events.json)", ["events:job-failed-create-quota"], E2eRunStatus.Failed, AdmissionVerdict.QuotaExceeded,
            "exceeded quota: e2e-quota, requested: limits.memory=2Gi", E2eFailureKind.Infrastructure },
        { "the newest refusal decides: Pod Security after a full quota", ["quota-exceeded-recent", "psa-restricted"], E2eRunStatus.Failed, AdmissionVerdict.PodSecurityForbidden,
            "violates PodSecurity", E2eFailureKind.Configuration },
        { "the newest refusal decides: a webhook's after Pod Security (the labels changed)", ["psa-restricted", "webhook-denied"], E2eRunStatus.Pending, null,
            "denied the request", E2eFailureKind.None },
        { "a webhook's refusal may be transient: wait, saying why", ["webhook-denied"], E2eRunStatus.Pending, null,
            "admission webhook \"validate.kyverno.svc-fail\" denied the request", E2eFailureKind.None },
        { "another Job's Pod Security refusal says nothing about this one", ["psa-other-job"], E2eRunStatus.Pending, null, "Waiting for the Job's pod.", E2eFailureKind.None },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_refused_pod_create_decides_by_what_refused_it(string name, string[] events, E2eRunStatus status, string? reason, string message, E2eFailureKind kind)
    {
        var recorded = events.Select(key => key.StartsWith("events:", StringComparison.Ordinal) ? Recorded.Event(key["events:".Length..]) : Recorded.AdmissionEvent(key)).ToList();

        var verdict = RunEvaluator.Evaluate(RunScenario.Job("no-pods-yet"), [], recorded, RunScenario.Now);

        Assert.True(status == verdict.Status, $"{name}: {verdict.Status}, expected {status} ({verdict.Message})");
        Assert.Equal(reason, verdict.Reason);
        Assert.Contains(message, verdict.Message, StringComparison.Ordinal);
        Assert.Null(verdict.ExitCode);
        var run = new E2eRun { Name = "shop", JobName = "test-shop-e2e", Status = verdict.Status, Reason = verdict.Reason, Message = verdict.Message };
        Assert.Equal(kind, FailureClassifier.Classify(run, null, null));
    }

    [Fact]
    public void A_pod_security_refusal_ends_the_run_when_it_was_last_recorded()
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job("no-pods-yet"), [], [Recorded.AdmissionEvent("psa-restricted")], RunScenario.Now);

        Assert.Equal(new DateTimeOffset(2026, 12, 5, 10, 29, 43, TimeSpan.Zero), verdict.CompletionTime);
    }

    [Fact]
    public void Once_a_pod_exists_the_refusals_before_it_no_longer_decide()
    {
        var verdict = RunEvaluator.Evaluate(RunScenario.Job("active"), RunScenario.Pods(["running"]), [Recorded.AdmissionEvent("psa-restricted")], RunScenario.Now);

        Assert.Equal(E2eRunStatus.Running, verdict.Status);
    }
}
