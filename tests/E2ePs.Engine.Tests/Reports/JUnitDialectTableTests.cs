using System.Text;
using E2ePs.Engine.Results;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Reports;

/// <summary>
/// The cases of a JUnit report, <see cref="JUnitReader.Read"/>, in the dialects the runner templates produce:
/// pytest's --junitxml (failure, error and skipped children), Pester 5's JUnitXml (a status attribute as well),
/// and the dotnet JunitXml.TestLogger the dotnet template uses (failure with a type, skipped, system-out).
/// </summary>
public sealed class JUnitDialectTableTests
{
    /// <summary>name, one testcase element → outcome, failure message (null: none), duration in ms.</summary>
    public static TheoryData<string, string, E2eTestOutcome, string?, double> Cases => new()
    {
        { "pytest passed", """<testcase classname="tests.e2e.test_shop" name="test_health" time="0.590" />""", E2eTestOutcome.Passed, null, 590 },
        { "pytest failure: the message attribute", """<testcase classname="t" name="n" time="0.3"><failure message="AssertionError: assert 500 == 200">def test():&#10;E   AssertionError</failure></testcase>""",
            E2eTestOutcome.Failed, "AssertionError: assert 500 == 200", 300 },
        { "pytest error in setup counts as failed", """<testcase classname="t" name="n" time="0.1"><error message="failed on setup with &quot;ConnectionRefusedError&quot;">E   ConnectionRefusedError</error></testcase>""",
            E2eTestOutcome.Failed, "failed on setup with \"ConnectionRefusedError\"", 100 },
        { "pytest skipped", """<testcase classname="t" name="n" time="0.000"><skipped type="pytest.skip" message="refunds are not deployed">tests/e2e/test_shop.py:40: refunds are not deployed</skipped></testcase>""",
            E2eTestOutcome.Skipped, "refunds are not deployed", 0 },
        { "a failure without a message: its text's first line", """<testcase name="n" time="1"><failure>first line&#10;second line</failure></testcase>""", E2eTestOutcome.Failed, "first line", 1000 },
        { "a failure with neither", """<testcase name="n"><failure/></testcase>""", E2eTestOutcome.Failed, "(no message)", 0 },
        { "Pester Passed", """<testcase name="Shop.answers health" status="Passed" classname="Shop" assertions="0" time="0.1" />""", E2eTestOutcome.Passed, null, 100 },
        { "Pester Failed with its failure element", """<testcase name="Shop.lists" status="Failed" classname="Shop" time="0.3"><failure message="Expected 3, but got 2.">at line 12</failure></testcase>""",
            E2eTestOutcome.Failed, "Expected 3, but got 2.", 300 },
        { "Pester Failed by the status alone", """<testcase name="Shop.lists" status="Failed" time="0.3" />""", E2eTestOutcome.Failed, "(no message)", 300 },
        { "Pester NotRun", """<testcase name="Shop.refunds" status="NotRun" time="0" />""", E2eTestOutcome.Skipped, null, 0 },
        { "Pester Inconclusive", """<testcase name="Shop.refunds" status="Inconclusive" time="0" />""", E2eTestOutcome.Skipped, null, 0 },
        { "dotnet logger passed", """<testcase classname="Shop.E2e.CartTests" name="Adds_an_item" time="0.0123000"><system-out /></testcase>""", E2eTestOutcome.Passed, null, 12.3 },
        { "dotnet logger failure", """<testcase classname="Shop.E2e.CartTests" name="Checks_out" time="1.5"><failure type="failure" message="Assert.Equal() Failure: Values differ">   at Shop.E2e.CartTests.Checks_out()</failure></testcase>""",
            E2eTestOutcome.Failed, "Assert.Equal() Failure: Values differ", 1500 },
        { "dotnet logger skipped", """<testcase classname="Shop.E2e.CartTests" name="Refunds" time="0"><skipped message="not deployed" /></testcase>""", E2eTestOutcome.Skipped, "not deployed", 0 },
        { "a time in another culture's notation is no time", """<testcase name="n" time="1,5" />""", E2eTestOutcome.Passed, null, 0 },
        { "a negative time is no time", """<testcase name="n" time="-2" />""", E2eTestOutcome.Passed, null, 0 },
        { "an overflowing time is no time", """<testcase name="n" time="1e400" />""", E2eTestOutcome.Passed, null, 0 },
        { "NaN is no time", """<testcase name="n" time="NaN" />""", E2eTestOutcome.Passed, null, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_dialect_s_outcome_and_message_are_read(string name, string testcase, E2eTestOutcome outcome, string? message, double durationMs)
    {
        var xml = $"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="suite">{testcase}</testsuite></testsuites>""";

        var read = Assert.Single(JUnitReader.Read(Encoding.UTF8.GetBytes(xml), "test-shop-e2e", "r-1"));

        Assert.True(outcome == read.Outcome, $"{name}: {read.Outcome}");
        Assert.Equal(message, read.FailureMessage);
        Assert.Equal(TimeSpan.FromMilliseconds(durationMs), read.Duration);
        Assert.Equal("suite", read.Suite);
        Assert.Equal(("test-shop-e2e", "r-1"), (read.JobName, read.RunId));
    }

    /// <summary>name, document → the reason it is refused.</summary>
    public static TheoryData<string, string, string> Refused => new()
    {
        { "empty", "", "the report is empty" },
        { "not XML", "PASSED 3 tests", "not well-formed XML" },
        { "an HTML error page", "<html><body>502 Bad Gateway</body></html>", "root element is <html>" },
        { "a DTD, never expanded", """<?xml version="1.0"?><!DOCTYPE testsuites [<!ENTITY x "y">]><testsuites/>""", "not well-formed XML" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void What_is_not_a_JUnit_report_is_refused_with_the_reason(string name, string document, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => JUnitReader.Read(Encoding.UTF8.GetBytes(document), "j", "r"));

        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{name}: {error.Message}");
    }

    [Fact]
    public void Suites_nest_at_any_depth_and_each_case_names_its_nearest_suite()
    {
        var xml = """<testsuites><testsuite name="outer"><testcase name="a"/><testsuite name="inner"><testcase name="b"/></testsuite></testsuite></testsuites>""";

        var cases = JUnitReader.Read(Encoding.UTF8.GetBytes(xml), "j", "r");

        Assert.Equal(["a:outer", "b:inner"], cases.Select(c => $"{c.Name}:{c.Suite}"));
    }
}
