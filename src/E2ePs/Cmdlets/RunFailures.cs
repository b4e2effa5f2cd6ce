using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// How a run that did not succeed is reported, by Wait-E2eJob and Invoke-E2eTest alike: one error id
/// a status, one sentence, and one recommended next step a kind of failure (the run's FailureKind,
/// which the engine's FailureClassifier decides).
/// </summary>
internal static class RunFailures
{
    /// <summary>The error of <paramref name="run"/>, which did not succeed (or whose tests failed).</summary>
    public static E2eException Error(E2eRun run)
    {
        var (id, category) = run.Status switch
        {
            E2eRunStatus.Succeeded => ("E2eTestsFailed", E2eErrorCategory.InvalidResult),
            E2eRunStatus.TimedOut => ("E2eRunTimedOut", E2eErrorCategory.OperationTimeout),
            E2eRunStatus.Cancelled => ("E2eRunCancelled", E2eErrorCategory.OperationStopped),
            _ => ("E2eRunFailed", E2eErrorCategory.InvalidResult),
        };
        return new E2eException(id, category, run, Describe(run)) { RecommendedAction = NextStep(run) };
    }

    /// <summary>"e2e/test-api-e2e Failed: BackoffLimitExceeded (exit code 1). ...", with no reason that only repeats the status.</summary>
    public static string Describe(E2eRun run)
    {
        var reason = string.IsNullOrEmpty(run.Reason) || run.Reason == run.Status.ToString() ? "" : $": {run.Reason}";
        var exitCode = run.ExitCode is { } code ? $" (exit code {code})" : "";
        var attempts = run.Attempt > 1 ? $" after {run.Attempt} attempts" : "";
        var cases = run.TestResult is { ReportStatus: E2eTestReportStatus.Found } r && r.Failed > 0 ? $" {r.Failed} of {r.Total} test(s) failed." : "";
        var message = string.IsNullOrEmpty(run.Message) ? "" : $" {run.Message}";
        return $"{run.Namespace}/{run.JobName} {run.Status}{attempts}{reason}{exitCode}.{cases}{message}";
    }

    /// <summary>The one next step for the run's kind of failure.</summary>
    public static string NextStep(E2eRun run)
    {
        var job = $"-Name {run.Name} -Namespace {run.Namespace}";
        return run.FailureKind switch
        {
            E2eFailureKind.TestFailure => $"See the failed cases with Get-E2eResult {job}, and the log with Get-E2eLog {job}.",
            E2eFailureKind.Infrastructure => $"The test did not get to run: find the first thing to fix (image, scheduling, clone, eviction) with Get-E2eDiagnostic {job}; Invoke-E2eTest -RetryCount retries such failures.",
            E2eFailureKind.Configuration => $"The job's definition cannot run: Get-E2eDiagnostic {job} names what to fix in its manifest.",
            E2eFailureKind.TimedOut => $"The Job goes on in the cluster: see how far it got with Get-E2eLog {job}, and what it waits for with Get-E2eDiagnostic {job}; give it longer with -Timeout.",
            E2eFailureKind.Cancelled => $"If the Job still runs, follow it with Get-E2eLog {job} -Follow, or delete it with Remove-E2eJob {job}.",
            _ => $"Find the first thing to fix with Get-E2eDiagnostic {job}, and read its log with Get-E2eLog {job}.",
        };
    }
}
