using System.Globalization;
using E2ePs.Contracts;
using E2ePs.Models;
using static E2ePs.Engine.Reporting.CommandEscaping;

namespace E2ePs.Engine.Reporting;

/// <summary>
/// Azure Pipelines logging commands: ##[group] sections, ##vso[task.logissue] errors and warnings
/// (they show on the run's summary page), ##vso[results.publish] for each JUnit file (the Tests tab),
/// and ##vso[task.complete] for the step's result. Reports go to <paramref name="reportFolder"/>, where the agent cleans up.
/// </summary>
public sealed class AzureDevOpsReporter(LogFormatter formatter, string reportFolder) : PlainReporter(formatter)
{
    /// <inheritdoc />
    public override ResultCiSystem System => ResultCiSystem.AzureDevOps;

    /// <inheritdoc />
    public override string? ReportFolder => reportFolder;

    /// <inheritdoc />
    public override IReadOnlyList<string> LogStarted(E2eRun run, bool exclusive) =>
        exclusive ? [$"##[group]Log of {OneLine(run.JobName)} (attempt {run.Attempt.ToString(CultureInfo.InvariantCulture)})"] : [];

    /// <inheritdoc />
    public override IReadOnlyList<string> LogLine(E2eRun run, E2eLogLine line, bool exclusive) =>
        [NeutralizeAzure(Formatter.Format(run, line, exclusive))];

    /// <inheritdoc />
    public override IReadOnlyList<string> LogEnded(E2eRun run, bool exclusive) => exclusive ? ["##[endgroup]"] : [];

    /// <inheritdoc />
    public override IReadOnlyList<string> Warning(string code, string message) =>
        [$"##vso[task.logissue type=warning;code={AzureProperty(code)};]{AzureData(message)}"];

    /// <inheritdoc />
    public override IReadOnlyList<string> Error(string code, string message) =>
        [$"##vso[task.logissue type=error;code={AzureProperty(code)};]{AzureData(message)}"];

    /// <inheritdoc />
    public override IReadOnlyList<string> RunFinished(E2eRun run, string? reportFile)
    {
        ArgumentNullException.ThrowIfNull(run);
        var lines = new List<string> { $"##[group]{OneLine(RunSummary.Headline(run))}" };
        var failed = RunSummary.FailedCases(run).ToList();
        lines.AddRange(failed.Select(c => NeutralizeAzure(OneLine("FAILED " + RunSummary.CaseLine(c)))));
        lines.Add("##[endgroup]");
        lines.AddRange(failed.Take(RunSummary.MaxAnnotatedCases).SelectMany(c => Error("TestFailed", $"{run.JobName}: {RunSummary.CaseLine(c)}")));
        if (failed.Count > RunSummary.MaxAnnotatedCases)
        {
            lines.AddRange(Error("TestFailed", string.Create(CultureInfo.InvariantCulture, $"{run.JobName}: {failed.Count - RunSummary.MaxAnnotatedCases} more failed test(s); see the Tests tab.")));
        }

        if (reportFile is not null)
        {
            var title = $"E2E {run.Name} ({run.Namespace})";
            lines.Add($"##vso[results.publish type=JUnit;mergeResults=false;publishRunAttachments=true;runTitle={AzureProperty(title)};resultFiles={AzureProperty(reportFile)};]");
        }

        return lines;
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> Completed(IReadOnlyList<E2eRun> runs, int errors)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var failed = runs.Count(r => !RunSummary.IsSuccess(r));
        if (failed > 0 || errors > 0)
        {
            return [string.Create(CultureInfo.InvariantCulture, $"##vso[task.complete result=Failed;]{failed} of {runs.Count} E2E run(s) failed, {errors} error(s).")];
        }

        // A pass that needed a retry is worth a look, but not a red build.
        var retried = runs.Count(r => r.Attempt > 1);
        return retried > 0
            ? [string.Create(CultureInfo.InvariantCulture, $"##vso[task.complete result=SucceededWithIssues;]{retried} of {runs.Count} E2E run(s) passed only after a retry.")]
            : [];
    }
}
