using System.Management.Automation;

namespace E2ePs.Models;

/// <summary>
/// The test results of one run, read from the JUnit report its test container wrote to the log:
/// the counts, the cases and the report itself. Get-E2eResult -Summary writes it; Invoke-E2eTest puts
/// it on the run (E2eRun.TestResult). Name and Namespace bind by property name to Get-E2eLog.
/// </summary>
public sealed class E2eTestResult
{
    /// <summary>Short name of the job.</summary>
    public string Name { get; set; } = "";

    /// <summary>Kubernetes name of the Job.</summary>
    public string JobName { get; set; } = "";

    /// <summary>Namespace of the Job.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>Run id of the run, when known.</summary>
    public string RunId { get; set; } = "";

    /// <summary>Where the run stood when its log was read.</summary>
    public E2eRunStatus RunStatus { get; set; }

    /// <summary>Exit code of the test container, once it terminated.</summary>
    public int? ExitCode { get; set; }

    /// <summary>Whether a report was found, and whether it could be read.</summary>
    public E2eTestReportStatus ReportStatus { get; set; } = E2eTestReportStatus.Missing;

    /// <summary>Why the report could not be read; null when it was.</summary>
    public string? ReportMessage { get; set; }

    /// <summary>The pod whose log held the report (the last attempt that wrote one).</summary>
    public string? Pod { get; set; }

    /// <summary>Number of test cases.</summary>
    public int Total => Cases.Count;

    /// <summary>Cases that passed.</summary>
    public int Passed => Cases.Count(c => c.Outcome == E2eTestOutcome.Passed);

    /// <summary>Cases that failed or raised an error.</summary>
    public int Failed => Cases.Count(c => c.Outcome == E2eTestOutcome.Failed);

    /// <summary>Cases that were skipped.</summary>
    public int Skipped => Cases.Count(c => c.Outcome == E2eTestOutcome.Skipped);

    /// <summary>The sum of the cases' durations.</summary>
    public TimeSpan Duration => Cases.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Duration);

    /// <summary>The test cases, in report order.</summary>
    public IReadOnlyList<E2eTestCase> Cases { get; set; } = [];

    /// <summary>Size in bytes of the JUnit XML the pod wrote; 0 when there is none.</summary>
    public int ReportLength => Report?.Length ?? 0;

    /// <summary>The JUnit XML exactly as the pod wrote it (decompressed). Hidden from views: save it with Get-E2eResult -OutFile.</summary>
    [Hidden]
    public byte[]? Report { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{JobName}: {Passed} passed, {Failed} failed, {Skipped} skipped";
}
