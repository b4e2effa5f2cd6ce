using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>
/// One thing that happened during Invoke-E2eTest; the cmdlet writes it on the pipeline thread. Each
/// kind of update is a type of its own that carries exactly what it needs, so the cmdlet matches on the
/// type and never reads a field another kind leaves empty.
/// </summary>
/// <param name="JobName">
/// Kubernetes name of the job definition (test-&lt;name&gt;-e2e), the same for every attempt; each attempt's
/// own Job is the run's <see cref="E2eRun.JobName"/>.
/// </param>
public abstract record InvokeUpdate(string JobName)
{
    /// <summary>A line of the image build.</summary>
    public sealed record Building(string JobName, string Text) : InvokeUpdate(JobName);

    /// <summary>An attempt (1-based) started.</summary>
    public sealed record Started(E2eRun Run, int Attempt) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>A line of a run's log; only with FollowLogs, and never a line of the report block.</summary>
    public sealed record Log(E2eRun Run, E2eLogLine Line) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>A run's followed log ended.</summary>
    public sealed record LogEnded(E2eRun Run) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>Attempt <paramref name="Attempt"/> failed and the next starts after <paramref name="Delay"/>.</summary>
    public sealed record Retrying(E2eRun Run, int Attempt, TimeSpan Delay) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>Something the user should know, with an error id: NoTestReport, LogUnreadable.</summary>
    public sealed record Warning(E2eRun Run, E2eException Problem) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>The run's report cannot be read or saved: TestReportTruncated, TestReportMalformed. The run still finishes.</summary>
    public sealed record ReportError(E2eRun Run, E2eException Problem) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>The run ended for good (with its TestResult); <paramref name="ReportFile"/> is where its JUnit report was saved, if it was.</summary>
    public sealed record Finished(E2eRun Run, string? ReportFile) : InvokeUpdate(DefinitionOf(Run));

    /// <summary>The definition's Kubernetes name of a run (its own Job name when the definition is not known).</summary>
    private static string DefinitionOf(E2eRun run) => run.Job?.JobName is { Length: > 0 } name ? name : run.JobName;

    /// <summary>The request could not run at all: a build failed, a start was refused.</summary>
    public sealed record Failed(string JobName, E2eException Problem) : InvokeUpdate(JobName);
}
