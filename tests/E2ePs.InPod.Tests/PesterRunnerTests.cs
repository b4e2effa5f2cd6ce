using System.Xml.Linq;
using E2ePs.Models;
using E2ePs.TestSupport;
using Xunit.Abstractions;

namespace E2ePs.InPod.Tests;

/// <summary>
/// The Pester template's runner (run-tests.ps1) run for real in the image Build-E2eImage built from the
/// template (on the PowerShell stand-in base image, which holds Pester 5.7.1, the template's
/// PESTER_VERSION), on the emptyDir the real clone filled, as UID 1000. The report the engine reads
/// from its log must equal the one Pester writes on the host for the same commit.
/// </summary>
[Collection(InPodCollection.Name)]
[Trait("Tier", "Full")]
public sealed class PesterRunnerTests(InPodFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void PesterRunner_ReportReadBackFromTheLog_EqualsWhatPesterReportsOnTheHost()
    {
        var setup = fixture.Sample(InPodFixture.PesterSample);
        const string job = "pester-outcomes";
        var (cloned, ran, duration) = fixture.RunJob(setup, job);
        output.WriteLine($"{job}: the pod took {duration.TotalSeconds:F1} s; runner image {setup.RunnerBuildTime.TotalSeconds:F0} s");

        var reading = LogReport.Read(job, cloned, ran);
        var host = RunPesterOnHost(setup, InPodFixture.PesterSample.Jobs[job]);

        Assert.True(reading.Problem is null, reading.Problem?.Message + "\n" + cloned.Text + "\n" + ran.Text);
        Assert.Equal(E2eTestReportStatus.Found, reading.Result.ReportStatus);
        // The runner's exit code: 1 when a test failed (Pester itself says so by its FailedCount).
        Assert.Equal(1, ran.ExitCode);
        Assert.Equal(LogReport.Cases(host.Report, host.Source), LogReport.Cases(reading.Result, "/workspace/src"));
        Assert.Equal(LogReport.Normalized(host.Report, host.Source), LogReport.Normalized(LogReport.Document(reading.Result), "/workspace/src"));
        Assert.Contains(reading.Result.Cases, c => c.Name == "Outcomes.café naïve 日本語 fails with ünïcödé" && c.Outcome == E2eTestOutcome.Failed);
        Assert.Contains(reading.Result.Cases, c => c.Name == "Outcomes.is skipped" && c.Outcome == E2eTestOutcome.Skipped);
        // A pod's log is no terminal: no colour escapes.
        Assert.DoesNotContain('\u001b', ran.Text);
    }

    /// <summary>Pester on the host (the same Pester 5.7.1, from NuGet, in the repository's PowerShell), on a clone of the same branch.</summary>
    private static (XDocument Report, string Source) RunPesterOnHost(SampleSetup setup, string testPath)
    {
        var folder = Directory.CreateTempSubdirectory("host-pester-").FullName;
        try
        {
            var source = Path.Combine(folder, "src");
            Tools.Run("git", ["clone", "--quiet", "--branch", InPodFixture.Branch, setup.PublicUrl, source]).EnsureSuccess();
            var report = Path.Combine(folder, "host.xml");
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var pester = Path.Combine(packages, "pester", "5.7.1", "tools", "Pester.psd1");
            const string script = """
                Import-Module $env:HOST_PESTER
                Set-Location $env:HOST_SOURCE
                $c = New-PesterConfiguration
                $c.Run.Path = $env:HOST_TEST_PATH
                $c.Run.Exit = $false
                $c.Output.Verbosity = 'None'
                $c.TestResult.Enabled = $true
                $c.TestResult.OutputFormat = 'JUnitXml'
                $c.TestResult.OutputPath = $env:HOST_REPORT
                Invoke-Pester -Configuration $c
                """;
            // dotnet pwsh is the repository's PowerShell (a local dotnet tool): it runs from the repository's folder.
            var run = Tools.Run("/usr/bin/env", [
                $"HOST_PESTER={pester}", $"HOST_SOURCE={source}", $"HOST_TEST_PATH={testPath}", $"HOST_REPORT={report}",
                "/bin/sh", "-c", "cd \"$0\" && exec dotnet pwsh -NoLogo -NoProfile -NonInteractive -Command \"$1\"", SampleRepository.SourceRoot, script]);
            Assert.True(File.Exists(report), $"Pester on the host wrote no report (exit code {run.ExitCode}): {run.Output}{run.Error}");
            return (XDocument.Load(report), source);
        }
        finally
        {
            Tools.DeleteFolder(folder);
        }
    }
}
