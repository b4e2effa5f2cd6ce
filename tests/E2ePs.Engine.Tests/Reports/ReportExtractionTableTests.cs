using System.IO.Compression;
using System.Text;
using E2ePs.Engine.Results;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Reports;

/// <summary>
/// Report extraction, <see cref="ReportExtractor"/>: the JUnit report found in a log as its lines pass. The
/// block is what the runner templates print (templates/pytest/run_test.py, templates/pester/run-tests.ps1,
/// templates/dotnet/run-tests.sh: the report gzip-compressed, base64-encoded, in 76-character lines between
/// the markers); the reports are as pytest --junitxml and Pester 5's JUnitXml write them. Each row is a log:
/// segments "pod:what", in order.
/// </summary>
public sealed class ReportExtractionTableTests
{
    private static readonly E2eRun s_run = new() { Name = "shop", JobName = "test-shop-e2e", Namespace = "e2e", RunId = "r-1", Status = E2eRunStatus.Failed, ExitCode = 1 };

    /// <summary>A pytest report: one passed, one failed, one skipped, one error.</summary>
    private const string Pytest = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="1.2"><testcase classname="tests.e2e.test_shop" name="test_health" time="0.5" /><testcase classname="tests.e2e.test_shop" name="test_checkout" time="0.3"><failure message="AssertionError: assert 500 == 200">E   AssertionError</failure></testcase><testcase classname="tests.e2e.test_shop" name="test_refund" time="0.0"><skipped type="pytest.skip" message="not deployed">skipped</skipped></testcase><testcase classname="tests.e2e.test_shop" name="test_search" time="0.1"><error message="failed on setup">ConnectionRefusedError</error></testcase></testsuite></testsuites>""";

    /// <summary>A Pester 5 report: the outcome in a status attribute, suites nested.</summary>
    private const string Pester = """<?xml version="1.0" encoding="utf-8" standalone="no"?><testsuites name="Pester" tests="2"><testsuite name="/workspace/src/tests/Shop.Tests.ps1" tests="2"><testcase name="Shop.answers health" status="Passed" classname="Shop" time="0.1" /><testcase name="Shop.lists products" status="Failed" classname="Shop" time="0.3"><failure message="Expected 3, but got 2." /></testcase></testsuite></testsuites>""";

    /// <summary>log → report status, the pod it came from, cases, error id of the problem, ordinary lines shown.</summary>
    public static TheoryData<string, string[], E2eTestReportStatus, string?, int, string?, int> Rows => new()
    {
        { "pytest's report between its output", ["p1:text", "p1:pytest", "p1:text"], E2eTestReportStatus.Found, "p1", 4, null, 2 },
        { "Pester's report", ["p1:pester"], E2eTestReportStatus.Found, "p1", 2, null, 0 },
        { "no block at all", ["p1:text", "p1:text"], E2eTestReportStatus.Missing, null, 0, "NoTestReport", 2 },
        { "an empty log", [], E2eTestReportStatus.Missing, null, 0, "NoTestReport", 0 },
        { "markers in an init container's log are output, not a report", ["p1:init-pester", "p1:text"], E2eTestReportStatus.Missing, null, 0, "NoTestReport", 5 },
        { "markers with a CR and trailing spaces still count", ["p1:pytest-crlf"], E2eTestReportStatus.Found, "p1", 4, null, 0 },
        { "killed while writing: begin without end", ["p1:text", "p1:begin", "p1:half"], E2eTestReportStatus.Truncated, "p1", 0, "TestReportTruncated", 1 },
        { "two attempts: the last pod that began a report counts", ["p1:pester", "p2:text", "p2:pytest"], E2eTestReportStatus.Found, "p2", 4, null, 1 },
        { "an earlier attempt's report counts when the last wrote none", ["p1:pytest", "p2:text"], E2eTestReportStatus.Found, "p1", 4, null, 1 },
        { "the last attempt was cut while writing", ["p1:pytest", "p2:begin", "p2:half"], E2eTestReportStatus.Truncated, "p2", 0, "TestReportTruncated", 0 },
        { "an attempt cut while writing, then one that wrote it all", ["p1:begin", "p1:half", "p2:pester"], E2eTestReportStatus.Found, "p2", 2, null, 0 },
        { "a line that is not base64", ["p1:begin", "p1:raw:not base64!", "p1:end"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "base64 that is not gzip", ["p1:begin", "p1:raw:SGVsbG8sIHdvcmxkIQ==", "p1:end"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "text after the base64 padding", ["p1:begin", "p1:raw:SGk=", "p1:raw:SGk=", "p1:end"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "base64 that ends in the middle of a group", ["p1:begin", "p1:raw:SGVsbG8", "p1:end"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "an empty block", ["p1:begin", "p1:end"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "gzip of something that is not XML", ["p1:gzip:PASSED 3 tests"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "XML that is not JUnit", ["p1:gzip:<html><body>502 Bad Gateway</body></html>"], E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        { "a report with a DTD is refused, never expanded", ["p1:gzip:<?xml version=\"1.0\"?><!DOCTYPE testsuites [<!ENTITY x \"y\">]><testsuites><testcase name=\"&x;\"/></testsuites>"],
            E2eTestReportStatus.Malformed, "p1", 0, "TestReportMalformed", 0 },
        // The kubelet serves only the current log file: a report split by a rotation loses its beginning.
        { "rotated while written: the end of a block without its begin", ["p1:tail", "p1:end", "p1:text"], E2eTestReportStatus.Truncated, "p1", 0, "TestReportRotated", 3 },
        { "a rotated attempt, then one that wrote it all", ["p1:tail", "p1:end", "p2:pester"], E2eTestReportStatus.Found, "p2", 2, null, 2 },
        { "a lone testsuite root is a report", ["p1:gzip:<testsuite name=\"t\"><testcase name=\"a\"/><testcase name=\"b\"><skipped/></testcase></testsuite>"], E2eTestReportStatus.Found, "p1", 2, null, 0 },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_report_is_found_in_the_log_as_it_passes(string name, string[] log, E2eTestReportStatus status, string? pod, int cases, string? problem, int shown)
    {
        var extractor = new ReportExtractor();
        var ordinary = 0;
        foreach (var line in log.SelectMany(Lines))
        {
            if (extractor.Accept(line))
            {
                ordinary++;
            }
        }

        var reading = extractor.ToReading(s_run);

        Assert.True(status == reading.Result.ReportStatus, $"{name}: {reading.Result.ReportStatus} ({reading.Result.ReportMessage})");
        Assert.Equal(pod, reading.Result.Pod);
        Assert.Equal(cases, reading.Result.Cases.Count);
        Assert.Equal(problem, reading.Problem?.ErrorId);
        Assert.Equal(shown, ordinary);
        Assert.Equal(E2eRunStatus.Failed, reading.Result.RunStatus);
        Assert.Equal(1, reading.Result.ExitCode);
    }

    [Fact]
    public void The_outcomes_of_each_dialect_are_read()
    {
        var pytest = Read(["p1:pytest"]);
        var pester = Read(["p1:pester"]);

        Assert.Equal((1, 2, 1), (pytest.Passed, pytest.Failed, pytest.Skipped));
        Assert.Equal("AssertionError: assert 500 == 200", pytest.Cases.Single(c => c.Name == "test_checkout").FailureMessage);
        Assert.Equal((1, 1, 0), (pester.Passed, pester.Failed, pester.Skipped));
        Assert.Equal("/workspace/src/tests/Shop.Tests.ps1", pester.Cases[1].Suite);
    }

    private static E2eTestResult Read(string[] log)
    {
        var extractor = new ReportExtractor();
        foreach (var line in log.SelectMany(Lines))
        {
            extractor.Accept(line);
        }

        return extractor.ToReading(s_run).Result;
    }

    private static IEnumerable<E2eLogLine> Lines(string segment)
    {
        var colon = segment.IndexOf(':', StringComparison.Ordinal);
        var pod = segment[..colon];
        var what = segment[(colon + 1)..];
        E2eLogLine Line(string text, bool init = false) => new() { Pod = pod, Container = init ? "clone-repo" : "test-runner", InitContainer = init, Message = text };
        return what switch
        {
            "text" => [Line("tests/e2e/test_shop.py::test_health PASSED")],
            "pytest" => Block(Pytest).Select(t => Line(t)),
            "pester" => Block(Pester).Select(t => Line(t)),
            "pytest-crlf" => Block(Pytest).Select(t => Line(t.StartsWith("-----", StringComparison.Ordinal) ? t + "  \r" : t + "\r")),
            "init-pester" => Block(Pester).Take(4).Select(t => Line(t, init: true)),
            "begin" => [Line(ReportMarkers.Begin)],
            "end" => [Line(ReportMarkers.End)],
            "half" => Block(Pytest).Skip(1).Take(2).Select(t => Line(t)),
            "tail" => Block(Pytest).SkipLast(1).TakeLast(2).Select(t => Line(t)),
            _ when what.StartsWith("raw:", StringComparison.Ordinal) => [Line(what["raw:".Length..])],
            _ when what.StartsWith("gzip:", StringComparison.Ordinal) => Block(what["gzip:".Length..]).Select(t => Line(t)),
            _ => throw new ArgumentException(segment),
        };
    }

    /// <summary>What the templates print for a report: the markers around its gzip+base64 in 76-character lines.</summary>
    private static List<string> Block(string xml)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(xml));
        }

        var encoded = Convert.ToBase64String(buffer.ToArray());
        var lines = new List<string> { ReportMarkers.Begin };
        for (var i = 0; i < encoded.Length; i += 76)
        {
            lines.Add(encoded.Substring(i, Math.Min(76, encoded.Length - i)));
        }

        lines.Add(ReportMarkers.End);
        return lines;
    }
}
