using E2ePs.Engine.Results;
using E2ePs.Models;

namespace E2ePs.Results.Tests;

/// <summary>The report block found in a log as it passes, line by line.</summary>
public sealed class ReportExtractorTests
{
    private static readonly E2eRun s_run = new() { Name = "shop", JobName = "test-shop-e2e", Namespace = "e2e", RunId = "r1", Status = E2eRunStatus.Failed, ExitCode = 1 };

    private static (ReportExtractor Extractor, List<string> Shown) Feed(IEnumerable<string> lines, string pod = "pod-1")
    {
        var extractor = new ReportExtractor();
        var shown = new List<string>();
        foreach (var text in lines)
        {
            if (extractor.Accept(new E2eLogLine { Pod = pod, Container = "test-runner", Message = text }))
            {
                shown.Add(text);
            }
        }

        return (extractor, shown);
    }

    [Fact]
    public void Pytest_cases_are_counted_by_outcome_with_their_messages()
    {
        var (extractor, shown) = Feed(JUnitReports.PytestLog(JUnitReports.Pytest));

        var reading = extractor.ToReading(s_run);

        Assert.Null(reading.Problem);
        var result = reading.Result;
        Assert.Equal(E2eTestReportStatus.Found, result.ReportStatus);
        Assert.Equal((5, 2, 2, 1), (result.Total, result.Passed, result.Failed, result.Skipped));
        var checkout = Assert.Single(result.Cases, c => c.Name == "test_checkout");
        Assert.Equal(E2eTestOutcome.Failed, checkout.Outcome);
        Assert.Equal("AssertionError: assert 500 == 200", checkout.FailureMessage);
        Assert.Contains("assert response.status_code == 200", checkout.FailureDetail, StringComparison.Ordinal);
        Assert.Equal("tests.e2e.test_shop", checkout.ClassName);
        Assert.Equal(TimeSpan.FromMilliseconds(300), checkout.Duration);
        Assert.Equal("test-shop-e2e", checkout.JobName);
        Assert.Equal(E2eTestOutcome.Failed, Assert.Single(result.Cases, c => c.Name == "test_search").Outcome);
        Assert.Equal("refunds are not deployed", Assert.Single(result.Cases, c => c.Name == "test_refund").FailureMessage);
        Assert.Equal(JUnitReports.Bytes(JUnitReports.Pytest), result.Report);
        // Only the block is hidden from a live log.
        Assert.Equal(["collected 5 items", "[e2eps] pytest exited with code 1"], shown);
    }

    [Fact]
    public void Pester_status_attributes_and_nested_suites_are_read()
    {
        var (extractor, _) = Feed(JUnitReports.Block(JUnitReports.Pester));

        var result = extractor.ToReading(s_run).Result;

        Assert.Equal((3, 1, 1, 1), (result.Total, result.Passed, result.Failed, result.Skipped));
        Assert.Equal("/workspace/src/tests/Shop.Tests.ps1", result.Cases[0].Suite);
        Assert.Equal("Expected 3, but got 2.", result.Cases[1].FailureMessage);
    }

    [Fact]
    public void A_log_without_markers_has_no_report_and_says_so_with_the_runs_status()
    {
        var (extractor, shown) = Feed(["collected 1 item", "1 passed"]);

        var reading = extractor.ToReading(s_run);

        Assert.Equal(E2eTestReportStatus.Missing, reading.Result.ReportStatus);
        Assert.Equal("NoTestReport", reading.Problem!.ErrorId);
        Assert.Contains("run Failed, exit code 1", reading.Problem.Message, StringComparison.Ordinal);
        Assert.Equal(E2eRunStatus.Failed, reading.Result.RunStatus);
        Assert.Empty(reading.Result.Cases);
        Assert.Equal(2, shown.Count);
    }

    [Fact]
    public void A_block_without_its_end_marker_is_truncated()
    {
        var block = JUnitReports.Block(JUnitReports.Pytest);
        var (extractor, _) = Feed(block.Take(block.Count / 2));

        var reading = extractor.ToReading(s_run);

        Assert.Equal(E2eTestReportStatus.Truncated, reading.Result.ReportStatus);
        Assert.Equal("TestReportTruncated", reading.Problem!.ErrorId);
        Assert.Contains("pod-1", reading.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_missing_from_the_middle_of_a_block_make_it_malformed()
    {
        var block = JUnitReports.Block(JUnitReports.Pytest);
        block.RemoveAt(2);
        var (extractor, _) = Feed(block);

        var reading = extractor.ToReading(s_run);

        Assert.Equal(E2eTestReportStatus.Malformed, reading.Result.ReportStatus);
        Assert.Equal("TestReportMalformed", reading.Problem!.ErrorId);
    }

    [Theory]
    [InlineData("this is not base64!", "not base64")]
    [InlineData("H4sIAAAAAAAAA", "middle of a group")]
    [InlineData("aGVsbG8gd29ybGQ=", "not valid gzip")]
    public void A_block_that_is_not_gzip_base64_is_malformed(string body, string expected)
    {
        var (extractor, _) = Feed([ReportMarkers.Begin, body, ReportMarkers.End]);

        var reading = extractor.ToReading(s_run);

        Assert.Equal(E2eTestReportStatus.Malformed, reading.Result.ReportStatus);
        Assert.Contains(expected, reading.Problem!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<testsuites><testsuite><testcase name=\"a\"></testsuite>", "not well-formed XML")]
    [InlineData("<html><body>502 Bad Gateway</body></html>", "root element is <html>")]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><testsuites>&e;</testsuites>", "not well-formed XML")]
    public void Xml_that_is_not_a_junit_report_is_malformed(string xml, string expected)
    {
        var (extractor, _) = Feed(JUnitReports.Block(xml));

        var reading = extractor.ToReading(s_run);

        Assert.Equal(E2eTestReportStatus.Malformed, reading.Result.ReportStatus);
        Assert.Contains(expected, reading.Problem!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_a_job_retried_into_several_pods_the_last_report_counts()
    {
        var extractor = new ReportExtractor();
        foreach (var (pod, xml) in new[] { ("pod-1", JUnitReports.Pytest), ("pod-2", JUnitReports.AllPassed) })
        {
            foreach (var text in JUnitReports.Block(xml))
            {
                extractor.Accept(new E2eLogLine { Pod = pod, Container = "test-runner", Message = text });
            }
        }

        var result = extractor.ToReading(s_run).Result;

        Assert.Equal("pod-2", result.Pod);
        Assert.Equal((3, 3, 0), (result.Total, result.Passed, result.Failed));
    }

    [Fact]
    public void A_pod_killed_while_writing_then_a_complete_retry_gives_the_retrys_report()
    {
        var extractor = new ReportExtractor();
        var first = JUnitReports.Block(JUnitReports.Pytest);
        foreach (var text in first.Take(3))
        {
            extractor.Accept(new E2eLogLine { Pod = "pod-1", Container = "test-runner", Message = text });
        }

        foreach (var text in JUnitReports.Block(JUnitReports.AllPassed))
        {
            extractor.Accept(new E2eLogLine { Pod = "pod-2", Container = "test-runner", Message = text });
        }

        var reading = extractor.ToReading(s_run);

        Assert.Null(reading.Problem);
        Assert.Equal(3, reading.Result.Passed);
    }

    [Fact]
    public void Init_container_lines_are_never_part_of_a_report()
    {
        var extractor = new ReportExtractor();
        Assert.True(extractor.Accept(new E2eLogLine { Pod = "p", Container = "clone-repo", InitContainer = true, Message = ReportMarkers.Begin }));
        Assert.False(extractor.InBlock);
    }
}
