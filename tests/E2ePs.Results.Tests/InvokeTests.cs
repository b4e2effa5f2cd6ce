using E2ePs.Contracts;
using E2ePs.Engine.Results;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;

namespace E2ePs.Results.Tests;

/// <summary>Invoke-E2eTest's engine against the emulator: start to results, retries, live logs.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class InvokeTests(EmulatorFixture cluster)
{
    private static InvokeOptions Options(int retries = 0) => new() { RetryCount = retries, RetryDelay = TimeSpan.FromMilliseconds(300), Timeout = TimeSpan.FromSeconds(30) };

    private static List<T> Of<T>(List<InvokeUpdate> updates) where T : InvokeUpdate => [.. updates.OfType<T>()];

    /// <summary>Replaces every scenario: the emulator matches the first, and a retry must meet a changed cluster.</summary>
    private void ReplaceScenarios(ContainerScenario test)
    {
        cluster.Emulator.ClearScenarios();
        cluster.Emulator.AddScenario(EmulatorFixture.CloneSucceeds());
        cluster.Emulator.AddScenario(test);
    }

    [Fact]
    public async Task A_test_that_fails_on_its_own_is_not_retried()
    {
        var job = await cluster.JobAsync("assertion", new ContainerScenario { Lines = JUnitReports.PytestLog(JUnitReports.Pytest), ExitCode = 1 });

        var updates = await cluster.InvokeAsync([cluster.Request(job)], Options(retries: 2));

        Assert.Single(Of<InvokeUpdate.Started>(updates));
        Assert.Empty(Of<InvokeUpdate.Retrying>(updates));
        var run = Assert.Single(Of<InvokeUpdate.Finished>(updates)).Run;
        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal(E2eFailureKind.TestFailure, run.FailureKind);
        Assert.Equal(1, run.Attempt);
        Assert.Equal((2, 2, 1), (run.TestResult!.Passed, run.TestResult.Failed, run.TestResult.Skipped));
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_is_retried_as_often_as_asked_and_has_no_results()
    {
        var job = await cluster.JobAsync("nopull", new ContainerScenario { ImageMissing = true });

        var updates = await cluster.InvokeAsync([cluster.Request(job)], Options(retries: 1));

        Assert.Equal([1, 2], Of<InvokeUpdate.Started>(updates).Select(u => u.Attempt));
        var retry = Assert.Single(Of<InvokeUpdate.Retrying>(updates));
        Assert.Equal(E2eFailureKind.Infrastructure, retry.Run.FailureKind);
        var run = Assert.Single(Of<InvokeUpdate.Finished>(updates)).Run;
        Assert.Equal(2, run.Attempt);
        Assert.Contains(run.Reason, new[] { "ErrImagePull", "ImagePullBackOff" });
        Assert.Null(run.TestResult);
        // The test never ran: a missing report is no news.
        Assert.Empty(Of<InvokeUpdate.Warning>(updates));
    }

    [Fact]
    public async Task A_run_that_failed_for_the_infrastructure_passes_on_its_retry()
    {
        var job = await cluster.JobAsync("healing", new ContainerScenario { ImageMissing = true });
        var passing = new ContainerScenario { Image = job.Image, ContainerName = "test-runner", Lines = JUnitReports.Block(JUnitReports.AllPassed) };

        // The registry comes back between the attempts.
        var updates = await cluster.InvokeAsync([cluster.Request(job)], Options(retries: 2), u =>
        {
            if (u is InvokeUpdate.Retrying)
            {
                ReplaceScenarios(passing);
            }
        });

        var run = Assert.Single(Of<InvokeUpdate.Finished>(updates)).Run;
        Assert.Equal(E2eRunStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Attempt);
        Assert.Equal(E2eFailureKind.None, run.FailureKind);
        Assert.Equal(3, run.TestResult!.Passed);
    }

    [Fact]
    public async Task Test_failures_are_retried_only_when_asked()
    {
        var job = await cluster.JobAsync("flaky", new ContainerScenario { Lines = JUnitReports.Block(JUnitReports.Pytest), ExitCode = 1 });
        var passing = new ContainerScenario { Image = job.Image, ContainerName = "test-runner", Lines = JUnitReports.Block(JUnitReports.AllPassed) };
        var options = Options(retries: 1);
        options.RetryTestFailures = true;

        var updates = await cluster.InvokeAsync([cluster.Request(job)], options, u =>
        {
            if (u is InvokeUpdate.Retrying)
            {
                ReplaceScenarios(passing);
            }
        });

        Assert.Equal(E2eFailureKind.TestFailure, Assert.Single(Of<InvokeUpdate.Retrying>(updates)).Run.FailureKind);
        var run = Assert.Single(Of<InvokeUpdate.Finished>(updates)).Run;
        Assert.Equal((E2eRunStatus.Succeeded, 2), (run.Status, run.Attempt));
    }

    [Fact]
    public async Task A_timed_out_run_is_never_retried()
    {
        var job = await cluster.JobAsync("endless", new ContainerScenario { DurationMs = 120_000 });
        var options = Options(retries: 2);
        options.Timeout = TimeSpan.FromSeconds(1);

        var updates = await cluster.InvokeAsync([cluster.Request(job)], options);

        var run = Assert.Single(Of<InvokeUpdate.Finished>(updates)).Run;
        Assert.Equal(E2eRunStatus.TimedOut, run.Status);
        Assert.Equal(E2eFailureKind.TimedOut, run.FailureKind);
        Assert.Single(Of<InvokeUpdate.Started>(updates));
    }

    [Fact]
    public async Task The_live_log_streams_without_the_report_block_and_the_report_comes_from_that_stream()
    {
        var job = await cluster.JobAsync("live", new ContainerScenario { Lines = JUnitReports.PytestLog(JUnitReports.Pytest, "[e2eps] Running pytest"), LineIntervalMs = 5, ExitCode = 1 });
        var options = Options();
        options.FollowLogs = true;
        options.ResultPath = Path.Combine(cluster.RepositoryRoot, "out", "live");

        var updates = await cluster.InvokeAsync([cluster.Request(job)], options);

        var lines = Of<InvokeUpdate.Log>(updates).Select(u => u.Line).ToList();
        Assert.Equal(
            ["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4", "[e2eps] Running pytest", "collected 5 items", "[e2eps] pytest exited with code 1"],
            lines.Select(l => l.Message));
        Assert.True(updates.FindIndex(u => u is InvokeUpdate.LogEnded) < updates.FindIndex(u => u is InvokeUpdate.Finished));
        var finished = Assert.Single(Of<InvokeUpdate.Finished>(updates));
        Assert.Equal(2, finished.Run.TestResult!.Failed);
        Assert.Equal(Path.Combine(options.ResultPath, "TEST-test-live-e2e.xml"), finished.ReportFile);
        Assert.Equal(JUnitReports.Bytes(JUnitReports.Pytest), await File.ReadAllBytesAsync(finished.ReportFile!));
    }

    [Fact]
    public async Task No_report_is_a_warning_and_a_truncated_one_an_error_and_both_runs_still_finish_with_their_status()
    {
        var silent = await cluster.JobAsync("quiet", new ContainerScenario { Lines = ["1 passed"] });
        var cut = await cluster.JobAsync("cut", new ContainerScenario { Lines = [.. JUnitReports.Block(JUnitReports.Pytest).Take(2)], ExitCode = 2 });

        var updates = await cluster.InvokeAsync([cluster.Request(silent), cluster.Request(cut)], Options());

        var warning = Assert.Single(Of<InvokeUpdate.Warning>(updates));
        Assert.Equal(("NoTestReport", silent.JobName), (warning.Problem.ErrorId, warning.JobName));
        var error = Assert.Single(Of<InvokeUpdate.ReportError>(updates));
        Assert.Equal(("TestReportTruncated", cut.JobName), (error.Problem.ErrorId, error.JobName));
        var runs = Of<InvokeUpdate.Finished>(updates).ToDictionary(u => u.JobName, u => u.Run);
        Assert.Equal((E2eRunStatus.Succeeded, E2eTestReportStatus.Missing), (runs[silent.JobName].Status, runs[silent.JobName].TestResult!.ReportStatus));
        Assert.Equal((E2eRunStatus.Failed, 2, E2eTestReportStatus.Truncated), (runs[cut.JobName].Status, runs[cut.JobName].ExitCode, runs[cut.JobName].TestResult!.ReportStatus));
    }

    [Fact]
    public async Task Many_jobs_run_within_the_throttle_limit_and_each_finishes_once()
    {
        var jobs = new List<E2eJob>();
        for (var i = 0; i < 4; i++)
        {
            jobs.Add(await cluster.JobAsync($"many{i}", new ContainerScenario { Lines = JUnitReports.Block(JUnitReports.AllPassed), DurationMs = 300 }));
        }

        var options = Options();
        options.ThrottleLimit = 2;
        var running = 0;
        var peak = 0;
        var updates = await cluster.InvokeAsync(jobs.Select(cluster.Request).ToList(), options, u =>
        {
            running += u is InvokeUpdate.Started ? 1 : u is InvokeUpdate.Finished ? -1 : 0;
            peak = Math.Max(peak, running);
        });

        Assert.Equal(jobs.Select(j => j.JobName).Order(), Of<InvokeUpdate.Finished>(updates).Select(u => u.JobName).Order());
        Assert.All(Of<InvokeUpdate.Finished>(updates), u => Assert.Equal(E2eRunStatus.Succeeded, u.Run.Status));
        Assert.Equal(2, peak);
    }

    [Fact]
    public async Task A_retry_count_below_zero_is_refused_before_anything_starts()
    {
        var job = await cluster.JobAsync("refused", new ContainerScenario());

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.InvokeAsync([cluster.Request(job)], Options(retries: -1)));

        Assert.Equal("InvalidRetryCount", error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(job.Namespace)).Items);
        Assert.Throws<E2eException>(() => TestInvoker.Validate(new InvokeOptions { RetryCount = E2ePs.Validation.ValueRules.MaxRetryCount + 1 }));
    }

    [Fact]
    public async Task Building_without_a_container_engine_is_an_error_for_that_job_and_starts_nothing()
    {
        var job = await cluster.JobAsync("unbuilt", new ContainerScenario());
        var options = Options();
        options.Build = true;
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", Path.Combine(cluster.RepositoryRoot, "no-engines-here"));
        List<InvokeUpdate> updates;
        try
        {
            updates = await cluster.InvokeAsync([cluster.Request(job)], options);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        var error = Assert.IsType<InvokeUpdate.Failed>(Assert.Single(updates));
        Assert.Equal("ContainerEngineNotFound", error.Problem.ErrorId);
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(job.Namespace)).Items);
    }
}
