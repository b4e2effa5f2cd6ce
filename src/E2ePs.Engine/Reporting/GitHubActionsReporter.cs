using System.Globalization;
using System.Text;
using E2ePs.Contracts;
using E2ePs.Models;
using static E2ePs.Engine.Reporting.CommandEscaping;

namespace E2ePs.Engine.Reporting;

/// <summary>
/// GitHub Actions workflow commands: ::group:: blocks, ::error:: and ::warning:: annotations, and a
/// markdown table appended to the step summary file ($GITHUB_STEP_SUMMARY).
/// </summary>
public sealed class GitHubActionsReporter(LogFormatter formatter, string? stepSummaryPath) : PlainReporter(formatter)
{
    /// <inheritdoc />
    public override ResultCiSystem System => ResultCiSystem.GitHubActions;

    /// <inheritdoc />
    public override IReadOnlyList<string> LogStarted(E2eRun run, bool exclusive) =>
        exclusive ? [$"::group::Log of {OneLine(run.JobName)} (attempt {run.Attempt.ToString(CultureInfo.InvariantCulture)})"] : [];

    /// <inheritdoc />
    public override IReadOnlyList<string> LogLine(E2eRun run, E2eLogLine line, bool exclusive) =>
        [NeutralizeGitHub(Formatter.Format(run, line, exclusive))];

    /// <inheritdoc />
    public override IReadOnlyList<string> LogEnded(E2eRun run, bool exclusive) => exclusive ? ["::endgroup::"] : [];

    /// <inheritdoc />
    public override IReadOnlyList<string> Warning(string code, string message) =>
        [$"::warning title={GitHubProperty(code)}::{GitHubData(message)}"];

    /// <inheritdoc />
    public override IReadOnlyList<string> Error(string code, string message) =>
        [$"::error title={GitHubProperty(code)}::{GitHubData(message)}"];

    /// <inheritdoc />
    public override IReadOnlyList<string> RunFinished(E2eRun run, string? reportFile)
    {
        ArgumentNullException.ThrowIfNull(run);
        var lines = new List<string> { $"::group::{OneLine(RunSummary.Headline(run))}" };
        var failed = RunSummary.FailedCases(run).ToList();
        lines.AddRange(failed.Select(c => NeutralizeGitHub(OneLine("FAILED " + RunSummary.CaseLine(c)))));
        if (reportFile is not null)
        {
            lines.Add($"JUnit report: {reportFile}");
        }

        lines.Add("::endgroup::");
        lines.AddRange(failed.Take(RunSummary.MaxAnnotatedCases).SelectMany(c => Error("TestFailed", $"{run.JobName}: {RunSummary.CaseLine(c)}")));
        return lines;
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> Completed(IReadOnlyList<E2eRun> runs, int errors)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (string.IsNullOrEmpty(stepSummaryPath))
        {
            return [];
        }

        try
        {
            File.AppendAllText(stepSummaryPath, Markdown(runs, errors), new UTF8Encoding(false));
            return [];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Warning("StepSummaryNotWritten", $"Cannot append the E2E summary to {stepSummaryPath}: {error.Message}");
        }
    }

    /// <summary>The step summary: one table row a run, then the failed cases.</summary>
    public static string Markdown(IReadOnlyList<E2eRun> runs, int errors)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var text = new StringBuilder();
        var passed = runs.Count(RunSummary.IsSuccess);
        text.AppendLine(CultureInfo.InvariantCulture, $"### E2E tests: {passed} of {runs.Count} run(s) passed{(errors > 0 ? $", {errors} error(s)" : "")}");
        text.AppendLine();
        text.AppendLine("| Job | Namespace | Status | Passed | Failed | Skipped | Attempt | Duration |");
        text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in runs)
        {
            var result = run.TestResult is { ReportStatus: E2eTestReportStatus.Found } r ? r : null;
            var status = RunSummary.IsSuccess(run) ? "✅ " + run.Status : "❌ " + run.Status + (run.Reason is null ? "" : $" ({run.Reason})");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Cell(run.JobName)} | {Cell(run.Namespace)} | {Cell(status)} | {Count(result?.Passed)} | {Count(result?.Failed)} | {Count(result?.Skipped)} | {run.Attempt} | {(run.Duration is { } d ? d.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "")} |");
        }

        var failures = runs.SelectMany(r => RunSummary.FailedCases(r).Select(c => (Run: r, Case: c))).ToList();
        if (failures.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("**Failed tests**");
            text.AppendLine();
            foreach (var (run, testCase) in failures)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{run.JobName}` {Cell(testCase.FullName)}: {Cell(testCase.FailureMessage ?? "")}");
            }
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string Count(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string Cell(string value) => OneLine(value).Replace("|", "\\|", StringComparison.Ordinal);
}
