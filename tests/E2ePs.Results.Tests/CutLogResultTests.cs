using System.Globalization;
using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using Xunit.Abstractions;

namespace E2ePs.Results.Tests;

/// <summary>Results are read through the same resuming log reader as Get-E2eLog: a cut log costs no result.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class CutLogResultTests(EmulatorFixture cluster, ITestOutputHelper output) : IDisposable
{
    public void Dispose() => cluster.Emulator.ClearFaults();

    // The report first, then about 400 KB of log: each response is cut long before the end.
    private static ContainerScenario Chatty() => new() { Lines = JUnitReports.PytestLog(JUnitReports.Pytest), GenerateLines = 3000, LineLength = 120, EmitDurationMs = 600, ExitCode = 1 };

    [Fact]
    public async Task Invoke_without_the_live_log_reads_every_result_through_cut_logs()
    {
        var jobs = new List<E2eJob>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await cluster.JobAsync($"cut-invoke-{i}", Chatty()));
        }

        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 100_000 });
        var results = Directory.CreateTempSubdirectory("e2eps-cut-").FullName;
        var options = new InvokeOptions { RetryDelay = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(30), FollowLogs = false, ThrottleLimit = 1, ResultPath = results };

        var updates = await cluster.InvokeAsync([.. jobs.Select(cluster.Request)], options);

        var finished = updates.OfType<InvokeUpdate.Finished>().ToList();
        Assert.Equal(3, finished.Count);
        Assert.DoesNotContain(updates, u => u is InvokeUpdate.Failed or InvokeUpdate.Warning or InvokeUpdate.ReportError);
        Assert.All(finished, u =>
        {
            Assert.Equal(E2eFailureKind.TestFailure, u.Run.FailureKind);
            Assert.Equal((2, 2, 1), (u.Run.TestResult!.Passed, u.Run.TestResult.Failed, u.Run.TestResult.Skipped));
            Assert.True(File.Exists(u.ReportFile));
        });
        Assert.Equal(3, Directory.GetFiles(results, "TEST-*.xml").Length);
    }

    [Fact]
    public async Task Get_result_reads_the_report_of_a_cut_log()
    {
        var job = await cluster.JobAsync("cut-result", Chatty());
        var updates = await cluster.InvokeAsync([cluster.Request(job)], new InvokeOptions { RetryDelay = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(30) });
        var run = updates.OfType<InvokeUpdate.Finished>().Single().Run;
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 100_000 });

        var reading = await cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = run.Uid }, CancellationToken.None);

        Assert.Null(reading.Problem);
        Assert.Equal((2, 2, 1), (reading.Result.Passed, reading.Result.Failed, reading.Result.Skipped));
    }

    [Fact]
    public async Task A_log_that_cannot_be_read_is_a_LogUnreadable_warning_per_run_and_every_run_still_finishes()
    {
        var jobs = new List<E2eJob>();
        for (var i = 0; i < 2; i++)
        {
            jobs.Add(await cluster.JobAsync($"unreadable-{i}", new ContainerScenario { Lines = JUnitReports.PytestLog(JUnitReports.Pytest), ExitCode = 1 }));
        }

        cluster.Emulator.SetFaults(new FaultSettings { ServerErrorCount = 100_000, ServerErrorCode = 500, ServerErrorResource = "pods/log" });
        var options = new InvokeOptions { RetryDelay = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(30), FollowLogs = false };

        var updates = await cluster.InvokeAsync([.. jobs.Select(cluster.Request)], options);

        var finished = updates.OfType<InvokeUpdate.Finished>().ToList();
        Assert.Equal(2, finished.Count);
        Assert.All(finished, u => Assert.Equal(E2eRunStatus.Failed, u.Run.Status));
        var warnings = updates.OfType<InvokeUpdate.Warning>().ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w =>
        {
            Assert.Equal("LogUnreadable", w.Problem.ErrorId);
            Assert.NotNull(w.Problem.Target);
        });
    }

    /// <summary>
    /// The fault run of issue 11 through Invoke-E2eTest -ShowLog, small by default; E2EPS_LOG_FAULT_JOBS,
    /// _LINES and _CUT make it the big one for the figures: every live line once, every result read.
    /// </summary>
    [Fact]
    public async Task A_fault_run_through_invoke_with_the_live_log_loses_and_repeats_no_line_and_reads_every_result()
    {
        static int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var count = Setting("E2EPS_LOG_FAULT_JOBS", 4);
        var perJob = Setting("E2EPS_LOG_FAULT_LINES", 3000);
        var cut = Setting("E2EPS_LOG_FAULT_CUT", 50_000);
        var jobs = new List<E2eJob>();
        for (var i = 0; i < count; i++)
        {
            jobs.Add(await cluster.JobAsync($"fault-invoke-{i}", new ContainerScenario
            {
                Lines = JUnitReports.PytestLog(JUnitReports.Pytest),
                GenerateLines = perJob,
                EmitDurationMs = perJob * 1000 / 2500,
                ExitCode = 1,
            }));
        }

        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = cut, WatchCloseAfterEvents = 3 });
        cluster.Emulator.ResetStats();
        var options = new InvokeOptions { RetryDelay = TimeSpan.Zero, Timeout = TimeSpan.FromMinutes(10), FollowLogs = true, ThrottleLimit = 64 };

        var updates = await cluster.InvokeAsync([.. jobs.Select(cluster.Request)], options, limit: TimeSpan.FromMinutes(10));

        var requests = cluster.Emulator.GetStats().RequestsByResource.GetValueOrDefault("pods/log");
        var generated = updates.OfType<InvokeUpdate.Log>().Where(u => u.Line.Container == "test-runner" && u.Line.Message.StartsWith("line ", StringComparison.Ordinal))
            .GroupBy(u => u.JobName).ToDictionary(g => g.Key, g => g.Select(u => u.Line.Message).ToList());
        var lines = generated.Values.Sum(l => (long)l.Count);
        var distinct = generated.Values.Sum(l => (long)l.Distinct().Count());
        var finished = updates.OfType<InvokeUpdate.Finished>().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"invoke -ShowLog: jobs {count}, lines {lines} of {(long)count * perJob}, lost {((long)count * perJob) - distinct}, duplicated {lines - distinct}, results {finished.Count(u => u.Run.TestResult?.Report is not null)}, log requests {requests}"));
        Assert.Equal(count, finished.Count);
        Assert.All(finished, u => Assert.Equal((2, 2, 1), (u.Run.TestResult!.Passed, u.Run.TestResult.Failed, u.Run.TestResult.Skipped)));
        Assert.Equal(count, generated.Count);
        Assert.All(generated.Values, l =>
        {
            Assert.Equal(perJob, l.Count);
            Assert.Equal(perJob, l.Distinct().Count());
            Assert.Equal(l.Order(StringComparer.Ordinal), l);
        });
    }
}
