using System.Globalization;
using E2ePs.Models;

namespace E2ePs.Engine.Reporting;

/// <summary>The words every reporter uses for a run's outcome.</summary>
public static class RunSummary
{
    /// <summary>Failed cases annotated one by one; the rest are counted.</summary>
    public const int MaxAnnotatedCases = 20;

    /// <summary>"test-shop-e2e Succeeded: 3 passed, 0 failed, 1 skipped (attempt 2)".</summary>
    public static string Headline(E2eRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var counts = run.TestResult is { ReportStatus: E2eTestReportStatus.Found } r
            ? string.Create(CultureInfo.InvariantCulture, $": {r.Passed} passed, {r.Failed} failed, {r.Skipped} skipped")
            : run.TestResult is { } missing ? $": no test results ({missing.ReportStatus} report)" : "";
        var reason = run.Status == E2eRunStatus.Succeeded || run.Reason is null ? "" : $" ({run.Reason})";
        var attempt = run.Attempt > 1 ? string.Create(CultureInfo.InvariantCulture, $" on attempt {run.Attempt}") : "";
        return $"{run.JobName} {run.Status}{reason}{counts}{attempt}";
    }

    /// <summary>Whether the run counts as a success: it succeeded and no case failed.</summary>
    public static bool IsSuccess(E2eRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Status == E2eRunStatus.Succeeded && run.TestResult is not { Failed: > 0 };
    }

    /// <summary>The failed cases of a run, in report order.</summary>
    public static IEnumerable<E2eTestCase> FailedCases(E2eRun run) =>
        run?.TestResult?.Cases.Where(c => c.Outcome == E2eTestOutcome.Failed) ?? [];

    /// <summary>"FullName: message" of a failed case.</summary>
    public static string CaseLine(E2eTestCase testCase)
    {
        ArgumentNullException.ThrowIfNull(testCase);
        return $"{testCase.FullName}: {testCase.FailureMessage}";
    }
}
