using System.Xml.Linq;
using E2ePs.Models;
using E2ePs.TestSupport;
using Xunit.Abstractions;

namespace E2ePs.InPod.Tests;

/// <summary>
/// The dotnet template's runner (run-tests.sh) run for real in the image Build-E2eImage built from the
/// template, on the .NET SDK stand-in base image (which holds the host's CA bundle, as a corporate image
/// holds its proxy's CA: NuGet is reached through a TLS-intercepting proxy here), on the emptyDir the
/// real clone filled, as UID 1000: `dotnet test` restores, builds and runs the sample in the container,
/// and the report the engine reads from its log must hold the cases the JUnit logger writes on the host.
/// </summary>
[Collection(InPodCollection.Name)]
[Trait("Tier", "Full")]
public sealed class DotnetRunnerTests(InPodFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void DotnetRunner_ReportReadBackFromTheLog_EqualsWhatDotnetTestReportsOnTheHost()
    {
        var setup = fixture.Sample(InPodFixture.DotnetSample);
        const string job = "dotnet-outcomes";
        var (cloned, ran, duration) = fixture.RunJob(setup, job);
        output.WriteLine($"{job}: the pod took {duration.TotalSeconds:F1} s; runner image {setup.RunnerBuildTime.TotalSeconds:F0} s");

        var reading = LogReport.Read(job, cloned, ran);
        var host = RunDotnetTestOnHost(setup, InPodFixture.DotnetSample.Jobs[job]);

        Assert.True(reading.Problem is null, reading.Problem?.Message + "\n" + cloned.Text + "\n" + ran.Text);
        Assert.Equal(E2eTestReportStatus.Found, reading.Result.ReportStatus);
        Assert.Equal(host.ExitCode, ran.ExitCode);
        Assert.Equal(LogReport.Cases(host.Report, host.Source), LogReport.Cases(reading.Result, "/workspace/src"));
        Assert.Contains(reading.Result.Cases, c => c.Name.Contains("FailsWithMarkupInMessage", StringComparison.Ordinal) && c.Outcome == E2eTestOutcome.Failed
            && c.FailureMessage == "expected <tag attr=\"v\"> & 'single' quotes");
        Assert.Contains(reading.Result.Cases, c => c.Outcome == E2eTestOutcome.Skipped);
    }

    /// <summary>dotnet test on the host (this machine's SDK, the one the stand-in image holds), on a clone of the same branch, with the runner's logger.</summary>
    private static (int ExitCode, XDocument Report, string Source) RunDotnetTestOnHost(SampleSetup setup, string testPath)
    {
        var folder = Directory.CreateTempSubdirectory("host-dotnet-").FullName;
        try
        {
            var source = Path.Combine(folder, "src");
            Tools.Run("git", ["clone", "--quiet", "--branch", InPodFixture.Branch, setup.PublicUrl, source]).EnsureSuccess();
            var results = Path.Combine(folder, "results");
            var run = Tools.Run("/bin/sh", ["-c", "cd \"$1\" && exec dotnet test \"$2\" --logger \"junit;LogFilePath=$3/{assembly}.junit.xml\" >\"$4\" 2>&1",
                "sh", source, testPath, results, Path.Combine(folder, "host.log")], TimeSpan.FromMinutes(10));
            var report = Directory.Exists(results) ? Directory.GetFiles(results, "*.junit.xml").SingleOrDefault() : null;
            Assert.True(report is not null, $"dotnet test on the host wrote no report (exit code {run.ExitCode}): {File.ReadAllText(Path.Combine(folder, "host.log"))}");
            return (run.ExitCode, XDocument.Load(report), source);
        }
        finally
        {
            Tools.DeleteFolder(folder);
        }
    }
}
