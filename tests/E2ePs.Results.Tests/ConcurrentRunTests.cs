using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;

namespace E2ePs.Results.Tests;

/// <summary>
/// One run, one Job: runs of one definition started at once by two engines (two sessions, each with its
/// own connections, as two pipelines have) each get a Job of their own and see only their own log and
/// results; a Start while another session waits leaves the earlier run to finish as what it is.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ConcurrentRunTests(EmulatorFixture cluster)
{
    [Fact]
    public async Task Two_sessions_starting_the_same_job_at_once_each_get_their_own_run_log_and_results_five_times()
    {
        using var other = new EngineEntry();
        var job = await cluster.JobAsync("twice", new ContainerScenario { Lines = ["shared image"] });
        var images = new[] { Image(job, "a"), Image(job, "b") };
        IE2eEngine[] engines = [cluster.Engine, other];

        for (var round = 1; round <= 5; round++)
        {
            var runs = await Task.WhenAll(engines.Select((engine, i) =>
                engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job, Image = images[i] }, CancellationToken.None)));

            Assert.NotEqual(runs[0].JobName, runs[1].JobName);
            Assert.All(runs, r => Assert.Equal("twice", r.Name));
            Assert.All(runs, r => Assert.StartsWith("test-twice-e2e-", r.JobName, StringComparison.Ordinal));
            var finished = await Task.WhenAll(engines.Select((engine, i) => WaitAsync(engine, runs[i])));
            for (var i = 0; i < 2; i++)
            {
                var mine = finished[i];
                Assert.True(mine.Status == E2eRunStatus.Succeeded, $"round {round}, session {i}: {mine.Status} {mine.Reason} {mine.Message}");
                Assert.Equal((runs[i].JobName, runs[i].Uid), (mine.JobName, mine.Uid));
                var lines = await LogAsync(engines[i], mine);
                Assert.Contains($"session {Letter(i)} ran", lines);
                Assert.DoesNotContain($"session {Letter(1 - i)} ran", lines);
                var reading = await engines[i].Results.ReadAsync(new ResultRequest { Target = cluster.Target(mine.Namespace), JobName = mine.JobName, Uid = mine.Uid }, CancellationToken.None);
                Assert.Null(reading.Problem);
                Assert.Equal(mine.RunId, reading.Result.RunId);
                Assert.Equal([$"test_{Letter(i)}"], reading.Result.Cases.Select(c => c.Name));
            }
        }

        // Both runs of every round are still there: history is kept, nothing was deleted to start a run.
        var jobs = await cluster.Observer.BatchV1.ListNamespacedJobAsync(job.Namespace, labelSelector: "e2eps.io/job=twice");
        Assert.Equal(10, jobs.Items.Count);
    }

    [Fact]
    public async Task A_start_while_another_session_waits_leaves_the_earlier_run_to_succeed()
    {
        using var other = new EngineEntry();
        var job = await cluster.JobAsync("waited", new ContainerScenario { Lines = ["working"], DurationMs = 3000 });
        var first = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        var waiting = WaitAsync(cluster.Engine, first);
        await WaitUntilRunningAsync(first);

        var second = await other.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);

        var firstEnd = await waiting;
        Assert.Equal(E2eRunStatus.Succeeded, firstEnd.Status);
        Assert.Null(firstEnd.Reason);
        Assert.Equal(0, firstEnd.ExitCode);
        var secondEnd = await WaitAsync(other, second);
        Assert.Equal(E2eRunStatus.Succeeded, secondEnd.Status);
        Assert.NotEqual(firstEnd.JobName, secondEnd.JobName);
    }

    private static string Letter(int i) => i == 0 ? "a" : "b";

    /// <summary>An image of its own for one session, whose container writes its own line and JUnit report.</summary>
    private string Image(E2eJob job, string session)
    {
        var image = $"registry.test/e2e/twice-{job.Namespace}-{session}:1";
        var report = $"""<?xml version="1.0" encoding="utf-8"?><testsuite name="pytest" tests="1" failures="0" errors="0" skipped="0" time="0.1"><testcase classname="t" name="test_{session}" time="0.1"/></testsuite>""";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = [$"session {session} ran", .. JUnitReports.PytestLog(report)], LineIntervalMs = 20 });
        return image;
    }

    private async Task WaitUntilRunningAsync(E2eRun run)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var pods = await cluster.Observer.CoreV1.ListNamespacedPodAsync(run.Namespace, labelSelector: $"e2eps.io/run-id={run.RunId}", cancellationToken: limit.Token);
            if (pods.Items.Any(p => p.Status?.Phase == "Running"))
            {
                return;
            }

            await Task.Delay(50, limit.Token);
        }
    }

    private static async Task<E2eRun> WaitAsync(IE2eEngine engine, E2eRun run)
    {
        await foreach (var update in engine.Cluster.WaitAsync([run], new WaitOptions { Timeout = TimeSpan.FromSeconds(90) }, CancellationToken.None))
        {
            if (update.Finished is { } finished)
            {
                return finished;
            }
        }

        throw new InvalidOperationException("the wait ended without the run");
    }

    private async Task<List<string>> LogAsync(IE2eEngine engine, E2eRun run)
    {
        var lines = new List<string>();
        await foreach (var line in engine.Cluster.ReadLogsAsync(new LogRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = run.Uid }, CancellationToken.None))
        {
            lines.Add(line.Message);
        }

        return lines;
    }
}
