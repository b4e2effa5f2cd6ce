using System.IO.Compression;
using System.Text;
using E2ePs.Engine.Results;

namespace E2ePs.Results.Tests;

/// <summary>Real JUnit reports as the runners write them, and the log block the templates print around them.</summary>
public static class JUnitReports
{
    /// <summary>pytest --junitxml: two passed, one failed, one skipped, one error.</summary>
    public const string Pytest = """
        <?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="1.234" timestamp="2026-01-28T10:00:00.000000+00:00" hostname="test-shop-e2e-x7k2p"><testcase classname="tests.e2e.test_shop" name="test_health" time="0.590" /><testcase classname="tests.e2e.test_shop" name="test_cart" time="0.210" /><testcase classname="tests.e2e.test_shop" name="test_checkout" time="0.300"><failure message="AssertionError: assert 500 == 200">def test_checkout():
        &gt;       assert response.status_code == 200
        E       AssertionError: assert 500 == 200</failure></testcase><testcase classname="tests.e2e.test_shop" name="test_refund" time="0.000"><skipped type="pytest.skip" message="refunds are not deployed">tests/e2e/test_shop.py:40: refunds are not deployed</skipped></testcase><testcase classname="tests.e2e.test_shop" name="test_search" time="0.134"><error message="failed on setup with &quot;ConnectionRefusedError&quot;">ConnectionRefusedError: [Errno 111]</error></testcase></testsuite></testsuites>
        """;

    /// <summary>Pester 5 JUnitXml: outcome in a status attribute, suites nested.</summary>
    public const string Pester = """
        <?xml version="1.0" encoding="utf-8" standalone="no"?>
        <testsuites xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="junit_schema_4.xsd" name="Pester" tests="3" errors="0" failures="1" disabled="1" time="0.5">
          <testsuite name="/workspace/src/tests/Shop.Tests.ps1" tests="3" errors="0" failures="1" hostname="pod" id="0" skipped="1" disabled="0" package="/workspace/src/tests/Shop.Tests.ps1" time="0.5">
            <testcase name="Shop.answers health" status="Passed" classname="/workspace/src/tests/Shop.Tests.ps1" assertions="0" time="0.1" />
            <testcase name="Shop.lists products" status="Failed" classname="/workspace/src/tests/Shop.Tests.ps1" assertions="0" time="0.3">
              <failure message="Expected 3, but got 2.">at $products.Count | Should -Be 3, /workspace/src/tests/Shop.Tests.ps1:12</failure>
            </testcase>
            <testcase name="Shop.refunds" status="Skipped" classname="/workspace/src/tests/Shop.Tests.ps1" assertions="0" time="0">
              <skipped message="not deployed" />
            </testcase>
          </testsuite>
        </testsuites>
        """;

    /// <summary>A report of three passing cases.</summary>
    public const string AllPassed = """
        <?xml version="1.0" encoding="utf-8"?>
        <testsuite name="pytest" tests="3" failures="0" errors="0" skipped="0" time="0.3"><testcase classname="t" name="a" time="0.1"/><testcase classname="t" name="b" time="0.1"/><testcase classname="t" name="c" time="0.1"/></testsuite>
        """;

    /// <summary>The report's bytes, as the runner's file holds them.</summary>
    public static byte[] Bytes(string xml) => Encoding.UTF8.GetBytes(xml);

    /// <summary>The log lines the templates print: the markers around gzip+base64 in 76-character lines.</summary>
    public static List<string> Block(string xml) => Block(Bytes(xml));

    /// <summary>The log lines for raw report bytes.</summary>
    public static List<string> Block(byte[] report)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(report);
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

    /// <summary>What a pytest job prints around its report.</summary>
    public static List<string> PytestLog(string xml, params string[] before) =>
        [.. before, "collected 5 items", .. Block(xml), "[e2eps] pytest exited with code 1"];
}
