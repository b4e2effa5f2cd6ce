using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using E2ePs.Models;

namespace E2ePs.Engine.Results;

/// <summary>
/// Reads the test cases of a JUnit XML report as pytest, Pester 5 and the dotnet JUnit logger write
/// it: &lt;testsuites&gt; (or a lone &lt;testsuite&gt;), suites nested at any depth, &lt;testcase&gt; with
/// &lt;failure&gt;, &lt;error&gt; or &lt;skipped&gt; children, or Pester's status attribute.
/// </summary>
public static class JUnitReader
{
    private static readonly HashSet<string> s_skippedStatuses = new(StringComparer.OrdinalIgnoreCase) { "Skipped", "NotRun", "NotExecuted", "Ignored", "Inconclusive", "Pending" };
    private static readonly HashSet<string> s_failedStatuses = new(StringComparer.OrdinalIgnoreCase) { "Failed", "Failure", "Error" };

    /// <summary>The cases of <paramref name="xml"/>; throws <see cref="InvalidDataException"/> when it is not a JUnit report.</summary>
    public static IReadOnlyList<E2eTestCase> Read(byte[] xml, string jobName, string runId)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length == 0)
        {
            throw new InvalidDataException("the report is empty");
        }

        XDocument document;
        var settings = new XmlReaderSettings
        {
            // A report comes from a pod: never resolve entities or fetch anything it names.
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
        };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml), settings);
            document = XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException error)
        {
            throw new InvalidDataException($"the report is not well-formed XML: {error.Message}", error);
        }

        var root = document.Root!;
        if (root.Name.LocalName is not ("testsuites" or "testsuite"))
        {
            throw new InvalidDataException($"the report's root element is <{root.Name.LocalName}>, not <testsuites> or <testsuite>");
        }

        return root.DescendantsAndSelf().Where(e => e.Name.LocalName == "testcase").Select(e => ToCase(e, jobName, runId)).ToList();
    }

    private static E2eTestCase ToCase(XElement element, string jobName, string runId)
    {
        var failure = element.Elements().FirstOrDefault(e => e.Name.LocalName is "failure" or "error");
        var skipped = element.Elements().FirstOrDefault(e => e.Name.LocalName == "skipped");
        var status = (string?)element.Attribute("status") ?? (string?)element.Attribute("result");
        var outcome = failure is not null ? E2eTestOutcome.Failed
            : skipped is not null ? E2eTestOutcome.Skipped
            : status is not null && s_failedStatuses.Contains(status) ? E2eTestOutcome.Failed
            : status is not null && s_skippedStatuses.Contains(status) ? E2eTestOutcome.Skipped
            : E2eTestOutcome.Passed;
        var detailElement = failure ?? skipped;
        var detail = detailElement?.Value.Trim();
        var message = (string?)detailElement?.Attribute("message");
        if (string.IsNullOrWhiteSpace(message))
        {
            message = detail?.Split('\n', 2)[0].Trim();
        }

        return new E2eTestCase
        {
            Name = (string?)element.Attribute("name") ?? "",
            ClassName = (string?)element.Attribute("classname") ?? "",
            Suite = (string?)element.Ancestors().FirstOrDefault(a => a.Name.LocalName == "testsuite")?.Attribute("name") ?? "",
            Outcome = outcome,
            Duration = Seconds((string?)element.Attribute("time")),
            FailureMessage = string.IsNullOrEmpty(message) ? (outcome == E2eTestOutcome.Failed ? "(no message)" : null) : message,
            FailureDetail = string.IsNullOrEmpty(detail) ? null : detail,
            JobName = jobName,
            RunId = runId,
        };
    }

    private static TimeSpan Seconds(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Zero;
}
