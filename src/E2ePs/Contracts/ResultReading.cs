using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>What reading a run's results found: always the run's status, and the report's cases when it could be read.</summary>
public sealed class ResultReading
{
    /// <summary>The results; its ReportStatus says whether a report was found.</summary>
    public E2eTestResult Result { get; init; } = new();

    /// <summary>Why there are no cases (NoTestReport, TestReportTruncated, TestReportMalformed); null when the report was read.</summary>
    public E2eException? Problem { get; init; }
}
