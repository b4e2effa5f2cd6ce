using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>What an update of Invoke-E2eTest is about.</summary>
public enum InvokeUpdateKind
{
    /// <summary>A line of the image build (Text).</summary>
    Building,
    /// <summary>An attempt started (Run, Attempt).</summary>
    Started,
    /// <summary>A line of a run's log (Run, Line); only with FollowLogs, and never a line of the report block.</summary>
    Log,
    /// <summary>A run's log ended (Run).</summary>
    LogEnded,
    /// <summary>An attempt failed and will be retried after Delay (Run, Attempt, Delay).</summary>
    Retrying,
    /// <summary>Something the user should know, with an error id (Run, Error): NoTestReport, LogUnreadable.</summary>
    Warning,
    /// <summary>The run's report cannot be read (Run, Error): TestReportTruncated, TestReportMalformed. The run still finishes.</summary>
    ReportError,
    /// <summary>The run ended, for good (Run with TestResult, ReportFile).</summary>
    Finished,
    /// <summary>The request could not run at all: a build failed, a start was refused (JobName, Error).</summary>
    Error,
}

/// <summary>One thing that happened during Invoke-E2eTest; the cmdlet writes it on the pipeline thread.</summary>
public sealed class InvokeUpdate
{
    /// <summary>What happened.</summary>
    public InvokeUpdateKind Kind { get; init; }

    /// <summary>Kubernetes name of the job.</summary>
    public string JobName { get; init; } = "";

    /// <summary>The run, once started.</summary>
    public E2eRun? Run { get; init; }

    /// <summary>Which attempt (1-based).</summary>
    public int Attempt { get; init; }

    /// <summary>The log line, for Log updates.</summary>
    public E2eLogLine? Line { get; init; }

    /// <summary>A build line, for Building updates.</summary>
    public string? Text { get; init; }

    /// <summary>The pause before a retry.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>The error or warning, with its id.</summary>
    public E2eException? Error { get; init; }

    /// <summary>Where the run's JUnit report was saved, if it was.</summary>
    public string? ReportFile { get; init; }
}
