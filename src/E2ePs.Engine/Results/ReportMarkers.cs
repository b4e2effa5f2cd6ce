namespace E2ePs.Engine.Results;

/// <summary>
/// The lines the runner templates write around the JUnit report in the test container's log: the
/// report is gzip-compressed, base64-encoded and cut into 76-character lines between them.
/// </summary>
public static class ReportMarkers
{
    /// <summary>The line before the report.</summary>
    public const string Begin = "----- BEGIN E2EPS JUNIT (gzip+base64) -----";

    /// <summary>The line after the report.</summary>
    public const string End = "----- END E2EPS JUNIT -----";
}
