using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;

namespace E2ePs.Results.Tests;

/// <summary>Results are read through the same resuming log reader as Get-E2eLog: a cut log costs no result.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class CutLogResultTests(EmulatorFixture cluster) : IDisposable
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

        var finished = updates.Where(u => u.Kind == InvokeUpdateKind.Finished).ToList();
        Assert.Equal(3, finished.Count);
        Assert.DoesNotContain(updates, u => u.Kind is InvokeUpdateKind.Error or InvokeUpdateKind.Warning or InvokeUpdateKind.ReportError);
        Assert.All(finished, u =>
        {
            Assert.Equal(E2eFailureKind.TestFailure, u.Run!.FailureKind);
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
        var run = updates.Single(u => u.Kind == InvokeUpdateKind.Finished).Run!;
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 100_000 });

        var reading = await cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = run.Uid }, CancellationToken.None);

        Assert.Null(reading.Problem);
        Assert.Equal((2, 2, 1), (reading.Result.Passed, reading.Result.Failed, reading.Result.Skipped));
    }
}
