using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Reporting;

/// <summary>
/// Outside CI: log lines only. Warnings, errors and outcomes reach the user as PowerShell warnings,
/// ErrorRecords and E2eRun objects, which the cmdlet writes itself.
/// </summary>
public class PlainReporter(LogFormatter formatter) : IResultReporter
{
    /// <summary>Formats log lines.</summary>
    protected LogFormatter Formatter { get; } = formatter;

    /// <inheritdoc />
    public virtual ResultCiSystem System => ResultCiSystem.None;

    /// <inheritdoc />
    public virtual string? ReportFolder => null;

    /// <inheritdoc />
    public virtual IReadOnlyList<string> LogStarted(E2eRun run, bool exclusive) => [];

    /// <inheritdoc />
    public virtual IReadOnlyList<string> LogLine(E2eRun run, E2eLogLine line, bool exclusive) => [Formatter.Format(run, line, exclusive)];

    /// <inheritdoc />
    public virtual IReadOnlyList<string> LogEnded(E2eRun run, bool exclusive) => [];

    /// <inheritdoc />
    public virtual IReadOnlyList<string> Warning(string code, string message) => [];

    /// <inheritdoc />
    public virtual IReadOnlyList<string> Error(string code, string message) => [];

    /// <inheritdoc />
    public virtual IReadOnlyList<string> RunFinished(E2eRun run, string? reportFile) => [];

    /// <inheritdoc />
    public virtual IReadOnlyList<string> Completed(IReadOnlyList<E2eRun> runs, int errors) => [];
}
