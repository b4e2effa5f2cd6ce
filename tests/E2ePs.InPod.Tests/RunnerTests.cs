using E2ePs.Contracts;
using E2ePs.Engine.Results;
using E2ePs.Models;
using E2ePs.TestSupport;
using Xunit.Abstractions;

namespace E2ePs.InPod.Tests;

/// <summary>
/// The pytest template's runner (run_test.py) run for real in the image Build-E2eImage built from the
/// template, on the emptyDir that the real clone-repo init container filled, as UID 1000: its log is
/// read by the engine's ReportExtractor as Get-E2eResult reads a pod's log, and every test case must
/// equal what pytest itself reports when run on the host on the same commit.
/// </summary>
[Collection(InPodCollection.Name)]
[Trait("Tier", "Full")]
public sealed class RunnerTests(InPodFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("outcomes")]
    [InlineData("unicode")]
    [InlineData("big-output")]
    [InlineData("many")]
    public void Runner_ReportReadBackFromTheLog_EqualsWhatPytestReportsOnTheHost(string job)
    {
        var testPath = InPodFixture.PytestSample.Jobs[job];
        var (cloned, ran, duration) = fixture.RunJob(fixture.Pytest, job);
        output.WriteLine($"{job}: the pod took {duration.TotalSeconds:F1} s; log {new FileInfo(ran.LogPath).Length:N0} bytes; base images {fixture.BaseImageTime.TotalSeconds:F0} s; runner image {fixture.Pytest.RunnerBuildTime.TotalSeconds:F0} s; image store {Tools.Run("du", ["-sh", fixture.Storage.Folder]).Output.Split('\t')[0]}");

        var reading = LogReport.Read(job, cloned, ran);
        var host = HostPytest.Run(fixture.Pytest.PublicUrl, InPodFixture.Branch, testPath);

        Assert.True(reading.Problem is null, reading.Problem?.Message);
        Assert.Equal(E2eTestReportStatus.Found, reading.Result.ReportStatus);
        Assert.Equal(host.ExitCode, ran.ExitCode);
        Assert.Equal(LogReport.Cases(host.Report), LogReport.Cases(reading.Result));
        // The whole report, byte for byte apart from what differs between two runs (times, host name).
        Assert.Equal(LogReport.Normalized(host.Report, host.Source), LogReport.Normalized(LogReport.Document(reading.Result), "/workspace/src"));
    }

    [Fact]
    public void Runner_50MegabytesOfOutput_LogHoldsItAndTheReportAfterIt()
    {
        var (cloned, ran, _) = fixture.RunJob(fixture.Pytest, "big-output");

        var reading = LogReport.Read("big-output", cloned, ran);

        Assert.True(new FileInfo(ran.LogPath).Length > 50_000_000, $"the log holds {new FileInfo(ran.LogPath).Length} bytes");
        Assert.Equal(
            [("test_writes_50_megabytes", E2eTestOutcome.Passed), ("test_after_the_output", E2eTestOutcome.Failed)],
            reading.Result.Cases.Select(c => (c.Name, c.Outcome)).ToList());
        Assert.Equal("AssertionError: a failure after 50 MB of output\nassert 'still' == 'running'\n  - running\n  + still", reading.Result.Cases[1].FailureMessage);
    }

    [Fact]
    public void Runner_5000Cases_AllComeBack()
    {
        var (cloned, ran, _) = fixture.RunJob(fixture.Pytest, "many");

        var cases = LogReport.Read("many", cloned, ran).Result.Cases;

        Assert.Equal(1, ran.ExitCode);
        Assert.Equal(Enumerable.Range(0, 5000).Select(n => $"test_case[{n}]"), cases.Select(c => c.Name));
        Assert.Equal([999, 1999, 2999, 3999, 4999], cases.Select((c, n) => (c, n)).Where(p => p.c.Outcome == E2eTestOutcome.Failed).Select(p => p.n));
    }
}
