namespace E2ePs.Models;

/// <summary>What E2ePs found in a run's log between the JUnit report markers.</summary>
public enum E2eTestReportStatus
{
    /// <summary>A complete report was found and read.</summary>
    Found,
    /// <summary>The test container wrote no report (no begin marker in its log).</summary>
    Missing,
    /// <summary>A begin marker without its end marker: the container was killed or the log cut while writing.</summary>
    Truncated,
    /// <summary>The block is complete but is not valid base64, gzip or JUnit XML.</summary>
    Malformed,
}
