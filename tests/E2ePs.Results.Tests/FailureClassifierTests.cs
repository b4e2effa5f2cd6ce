using E2ePs.Engine.Results;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Results.Tests;

/// <summary>Which failures a retry can fix.</summary>
public sealed class FailureClassifierTests
{
    private static E2eRun Failed(string reason, int? exitCode = null) => new() { Status = E2eRunStatus.Failed, Reason = reason, ExitCode = exitCode };

    [Theory]
    [InlineData("ErrImagePull", E2eFailureKind.Infrastructure)]
    [InlineData("ImagePullBackOff", E2eFailureKind.Infrastructure)]
    [InlineData("Unschedulable", E2eFailureKind.Infrastructure)]
    [InlineData("InitContainerFailed", E2eFailureKind.Infrastructure)]
    [InlineData("InvalidImageName", E2eFailureKind.Configuration)]
    [InlineData("CreateContainerConfigError", E2eFailureKind.Configuration)]
    [InlineData("BackoffLimitExceeded", E2eFailureKind.TestFailure)]
    [InlineData("DeadlineExceeded", E2eFailureKind.TestFailure)]
    [InlineData("OOMKilled", E2eFailureKind.TestFailure)]
    [InlineData("JobDeleted", E2eFailureKind.Cancelled)]
    public void Failure_reasons_are_classified(string reason, E2eFailureKind expected) =>
        Assert.Equal(expected, FailureClassifier.Classify(Failed(reason), null, null));

    [Theory]
    [InlineData("Evicted", null)]
    [InlineData("NodeLost", null)]
    [InlineData(null, "DisruptionTarget")]
    public void A_pod_taken_away_from_its_test_is_infrastructure_even_when_the_job_says_BackoffLimitExceeded(string? podReason, string? condition)
    {
        var pod = new V1Pod
        {
            Status = new V1PodStatus
            {
                Phase = "Failed",
                Reason = podReason,
                Conditions = condition is null ? null : [new V1PodCondition { Type = condition, Status = "True", Reason = "EvictionByEvictionAPI" }],
            },
        };

        Assert.Equal(E2eFailureKind.Infrastructure, FailureClassifier.Classify(Failed("BackoffLimitExceeded", 137), pod, null));
    }

    [Fact]
    public void A_pod_that_ended_by_its_own_exit_is_a_test_failure()
    {
        var pod = new V1Pod { Status = new V1PodStatus { Phase = "Failed", Conditions = [new V1PodCondition { Type = "DisruptionTarget", Status = "False" }] } };

        Assert.Equal(E2eFailureKind.TestFailure, FailureClassifier.Classify(Failed("BackoffLimitExceeded", 1), pod, null));
    }

    [Fact]
    public void A_run_that_succeeded_with_failed_cases_is_a_test_failure_and_a_clean_one_is_none()
    {
        var run = new E2eRun { Status = E2eRunStatus.Succeeded, ExitCode = 0 };
        var failedCase = new E2eTestResult { Cases = [new E2eTestCase { Outcome = E2eTestOutcome.Failed }] };

        Assert.Equal(E2eFailureKind.TestFailure, FailureClassifier.Classify(run, null, failedCase));
        Assert.Equal(E2eFailureKind.None, FailureClassifier.Classify(run, null, new E2eTestResult()));
        Assert.Equal(E2eFailureKind.TimedOut, FailureClassifier.Classify(new E2eRun { Status = E2eRunStatus.TimedOut }, null, null));
    }
}
