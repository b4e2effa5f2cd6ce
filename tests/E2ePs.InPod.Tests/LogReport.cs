using System.Xml.Linq;
using E2ePs.Contracts;
using E2ePs.Engine.Results;
using E2ePs.Models;

namespace E2ePs.InPod.Tests;

/// <summary>A test case as the comparison sees it: the message is the failure's, error's or skip's message.</summary>
public sealed record CaseView(string ClassName, string Name, E2eTestOutcome Outcome, string? Message);

/// <summary>Reads the report out of a pod's logs with the engine, and puts reports in a shape two runs can be compared in.</summary>
public static class LogReport
{
    /// <summary>Feeds both containers' logs, line by line, to the engine's extractor, as Get-E2eResult does.</summary>
    public static ResultReading Read(string job, ContainerExit clone, ContainerExit runner)
    {
        ArgumentNullException.ThrowIfNull(clone);
        ArgumentNullException.ThrowIfNull(runner);
        var extractor = new ReportExtractor();
        const string podName = "pod-0";
        foreach (var line in clone.Lines())
        {
            extractor.Accept(new E2eLogLine { Pod = podName, Container = "clone-repo", InitContainer = true, Message = line });
        }

        foreach (var line in runner.Lines())
        {
            extractor.Accept(new E2eLogLine { Pod = podName, Container = "test-runner", Message = line });
        }

        return extractor.ToReading(new E2eRun
        {
            Name = job,
            JobName = $"test-{job}-e2e",
            Namespace = InPodFixture.Namespace,
            RunId = "run-1",
            Status = runner.ExitCode == 0 ? E2eRunStatus.Succeeded : E2eRunStatus.Failed,
            ExitCode = runner.ExitCode,
        });
    }

    /// <summary>The engine's cases, for comparison.</summary>
    public static List<CaseView> Cases(E2eTestResult result, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Cases.Select(c => new CaseView(Relative(c.ClassName, source), c.Name, c.Outcome, c.FailureMessage)).ToList();
    }

    /// <summary>
    /// The cases as the JUnit XML states them, read independently of the engine: failure and error are
    /// Failed, skipped is Skipped, and the message is that element's message attribute.
    /// </summary>
    public static List<CaseView> Cases(XDocument report, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Descendants("testcase").Select(element =>
        {
            var problem = element.Elements().FirstOrDefault(e => e.Name.LocalName is "failure" or "error" or "skipped");
            var outcome = problem?.Name.LocalName switch
            {
                "failure" or "error" => E2eTestOutcome.Failed,
                "skipped" => E2eTestOutcome.Skipped,
                _ => E2eTestOutcome.Passed,
            };
            var message = (string?)problem?.Attribute("message");
            return new CaseView(Relative((string?)element.Attribute("classname") ?? "", source), (string?)element.Attribute("name") ?? "", outcome, string.IsNullOrEmpty(message) ? null : message);
        }).ToList();
    }

    /// <summary>The report the engine read, as XML.</summary>
    public static XDocument Document(E2eTestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var stream = new MemoryStream(result.Report ?? throw new InvalidOperationException("The result holds no report."));
        return XDocument.Load(stream);
    }

    /// <summary>
    /// The report without what differs between two runs of the same tests: times, host and user names,
    /// runtime properties, and the folder the repository was cloned into.
    /// </summary>
    public static string Normalized(XDocument report, string source)
    {
        ArgumentNullException.ThrowIfNull(report);
        var copy = new XDocument(report);
        copy.Descendants().Where(e => e.Name.LocalName == "properties").Remove();
        foreach (var text in copy.DescendantNodes().OfType<XText>())
        {
            text.Value = Relative(text.Value, source);
        }

        foreach (var attribute in copy.Descendants().Attributes().ToList())
        {
            if (attribute.Name.LocalName is "time" or "timestamp" or "hostname")
            {
                attribute.Remove();
            }
            else
            {
                attribute.Value = Relative(attribute.Value, source);
            }
        }

        return copy.ToString(SaveOptions.DisableFormatting);
    }

    private static string Relative(string text, string? source) =>
        source is null ? text : text.Replace(source + "/", "<source>/", StringComparison.Ordinal);
}
