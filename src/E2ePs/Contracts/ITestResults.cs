using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>
/// Test results out of the pods, and whole runs for CI: reads the JUnit report a runner wrote to its
/// log, runs jobs from build to results with retries, and formats what CI systems understand.
/// </summary>
public interface ITestResults
{
    /// <summary>
    /// Reads a run's JUnit report from its test container's log (streamed; only the marked block is
    /// kept) and the run's status from its Job and pods. A missing, truncated or malformed report is
    /// not thrown: it comes back in <see cref="ResultReading.Problem"/> beside the run's status.
    /// </summary>
    Task<ResultReading> ReadAsync(ResultRequest request, CancellationToken cancellationToken);

    /// <summary>Writes the report exactly as the pod wrote it; creates the folder if needed.</summary>
    void SaveReport(E2eTestResult result, string path);

    /// <summary>
    /// Builds (optionally), starts, waits for, follows (optionally) and reads the results of every
    /// request, at most <see cref="InvokeOptions.ThrottleLimit"/> at a time, retrying runs that failed
    /// for an infrastructure reason. Updates arrive in the order they happen; each request ends with
    /// exactly one <see cref="InvokeUpdate.Finished"/> or <see cref="InvokeUpdate.Failed"/>.
    /// </summary>
    IAsyncEnumerable<InvokeUpdate> InvokeAsync(IReadOnlyList<InvokeRequest> requests, InvokeOptions options, CancellationToken cancellationToken);

    /// <summary>The reporter for the CI system the options name or the environment reveals.</summary>
    IResultReporter CreateReporter(ResultReporterOptions options);
}

/// <summary>
/// Turns what happens during a run into the lines a CI system understands (Azure DevOps logging
/// commands, GitHub Actions workflow commands, or plain text). It returns lines rather than writing
/// them, so the cmdlet writes them to the host on the pipeline thread; the only thing it writes
/// itself is the GitHub step summary file.
/// </summary>
public interface IResultReporter
{
    /// <summary>The CI system reported to: None, AzureDevOps or GitHubActions.</summary>
    ResultCiSystem System { get; }

    /// <summary>
    /// Where the CI system collects JUnit files when the user names no folder: on Azure DevOps the agent's
    /// test results folder (Common.TestResultsDirectory, else Agent.TempDirectory, else the temp folder)
    /// with an e2eps folder in it; null elsewhere, where reports are kept only when asked for.
    /// </summary>
    string? ReportFolder { get; }

    /// <summary>Lines before a run's live log: a collapsible group when only one run shows its log at a time.</summary>
    IReadOnlyList<string> LogStarted(E2eRun run, bool exclusive);

    /// <summary>One log line of a run, in the chosen format, with anything that looks like a CI command made harmless.</summary>
    IReadOnlyList<string> LogLine(E2eRun run, E2eLogLine line, bool exclusive);

    /// <summary>Lines after a run's live log.</summary>
    IReadOnlyList<string> LogEnded(E2eRun run, bool exclusive);

    /// <summary>A warning annotation (plain output: nothing, the cmdlet writes a PowerShell warning).</summary>
    IReadOnlyList<string> Warning(string code, string message);

    /// <summary>An error annotation (plain output: nothing, the cmdlet writes an ErrorRecord).</summary>
    IReadOnlyList<string> Error(string code, string message);

    /// <summary>A run's outcome: a group with its counts and failed cases, and the publish of its JUnit file.</summary>
    IReadOnlyList<string> RunFinished(E2eRun run, string? reportFile);

    /// <summary>The end of the whole command: the task result (Azure DevOps) or the step summary (GitHub Actions).</summary>
    IReadOnlyList<string> Completed(IReadOnlyList<E2eRun> runs, int errors);
}
