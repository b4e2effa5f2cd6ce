using System.Xml.Linq;
using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;

namespace E2ePs.Results.Tests;

/// <summary>Get-E2eResult's engine against the emulator: reports read back from real pod logs.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ResultReadingTests(EmulatorFixture cluster)
{
    private async Task<E2eRun> RunToEndAsync(E2eJob job)
    {
        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], new WaitOptions { Timeout = TimeSpan.FromSeconds(30) }, CancellationToken.None))
        {
            if (update.Finished is { } finished)
            {
                return finished;
            }
        }

        throw new InvalidOperationException("the wait ended without the run");
    }

    [Fact]
    public async Task Passed_failed_and_skipped_cases_are_counted_and_the_saved_file_is_the_xml_the_pod_wrote()
    {
        var job = await cluster.JobAsync("counted", new ContainerScenario { Lines = JUnitReports.PytestLog(JUnitReports.Pytest), ExitCode = 1 });
        var run = await RunToEndAsync(job);

        var reading = await cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = run.Uid }, CancellationToken.None);

        Assert.Null(reading.Problem);
        var result = reading.Result;
        Assert.Equal(E2eRunStatus.Failed, result.RunStatus);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(run.RunId, result.RunId);
        Assert.Equal((5, 2, 2, 1), (result.Total, result.Passed, result.Failed, result.Skipped));
        Assert.All(result.Cases, c => Assert.Equal(run.RunId, c.RunId));
        var file = Path.Combine(cluster.RepositoryRoot, "out", "results", "TEST-counted.xml");
        cluster.Engine.Results.SaveReport(result, file);
        Assert.Equal(JUnitReports.Bytes(JUnitReports.Pytest), await File.ReadAllBytesAsync(file));
        var saved = XDocument.Load(file);
        Assert.Equal("testsuites", saved.Root!.Name.LocalName);
        Assert.Equal(5, saved.Descendants("testcase").Count());
    }

    [Fact]
    public async Task A_job_that_wrote_no_report_says_so_and_still_gives_the_runs_status()
    {
        var job = await cluster.JobAsync("silent", new ContainerScenario { Lines = ["1 passed in 0.59s"] });
        var run = await RunToEndAsync(job);

        var reading = await cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName }, CancellationToken.None);

        Assert.Equal("NoTestReport", reading.Problem!.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, reading.Problem.Category);
        Assert.Equal(E2eRunStatus.Succeeded, reading.Result.RunStatus);
        Assert.Equal(E2eTestReportStatus.Missing, reading.Result.ReportStatus);
        Assert.Throws<E2eException>(() => cluster.Engine.Results.SaveReport(reading.Result, Path.Combine(cluster.RepositoryRoot, "none.xml")));
    }

    [Fact]
    public async Task A_report_cut_off_by_a_killed_container_is_a_clear_truncation_error()
    {
        var block = JUnitReports.Block(JUnitReports.Pytest);
        var job = await cluster.JobAsync("killed", new ContainerScenario { Lines = ["collected 5 items", .. block.Take(3)], OomKilled = true });
        var run = await RunToEndAsync(job);

        var reading = await cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName }, CancellationToken.None);

        Assert.Equal("TestReportTruncated", reading.Problem!.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidData, reading.Problem.Category);
        Assert.Equal(E2eRunStatus.Failed, reading.Result.RunStatus);
        Assert.Equal(137, reading.Result.ExitCode);
    }

    [Fact]
    public async Task A_run_whose_job_was_started_again_or_deleted_is_reported_as_gone()
    {
        var job = await cluster.JobAsync("replaced", new ContainerScenario { Lines = JUnitReports.Block(JUnitReports.AllPassed) });
        var run = await RunToEndAsync(job);

        var replaced = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = "0000-other" }, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = "test-nothing-e2e" }, CancellationToken.None));

        Assert.Equal("RunReplaced", replaced.ErrorId);
        Assert.Equal("JobNotFound", missing.ErrorId);
        Assert.NotNull(missing.RecommendedAction);
    }
}
