using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Cluster;
using E2ePs.KubeEmulator;
using E2ePs.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// The waiter judges time by the clock it is given (IClock), not the machine's: a run that times out
/// ends at the clock's time, and an image pull's grace period runs out when the clock says so. Waiting
/// itself (the timeout, the once-a-second re-check) stays real.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClockTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    private async Task<(EngineEntry Engine, E2eRun Run)> StartAsync(string name, ContainerScenario test, FakeClock clock)
    {
        var engine = new EngineEntry(new ClusterConnectionFactory(clock), clock);
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}:1";
        test.Image = image;
        test.ContainerName = "test-runner";
        cluster.Emulator.AddScenario(test);
        var job = cluster.Scaffold(name, ns, image);
        using var limit = new CancellationTokenSource(s_limit);
        var run = await engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, limit.Token);
        return (engine, run);
    }

    private static async Task<E2eRun> WaitAsync(EngineEntry engine, E2eRun run, WaitOptions options)
    {
        using var limit = new CancellationTokenSource(s_limit);
        E2eRun? finished = null;
        await foreach (var update in engine.Cluster.WaitAsync([run], options, limit.Token))
        {
            finished = update.Finished ?? finished;
        }

        Assert.False(limit.IsCancellationRequested, "the wait did not end on its own");
        return Assert.IsType<E2eRun>(finished);
    }

    [Fact]
    public async Task A_run_that_times_out_ends_at_the_clocks_time()
    {
        var clock = new FakeClock(new DateTimeOffset(2031, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var (engine, run) = await StartAsync("clock-timeout", new ContainerScenario { Lines = ["still running"], DurationMs = 600_000 }, clock);

        var finished = await WaitAsync(engine, run, new WaitOptions { Timeout = TimeSpan.FromSeconds(1) });

        Assert.Equal(E2eRunStatus.TimedOut, finished.Status);
        Assert.Equal(clock.Now, finished.CompletionTime);
        // The run id is stamped with the clock's time too.
        Assert.StartsWith("20310304-050607-", run.RunId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_pull_fails_the_run_once_the_clock_has_passed_the_grace_period()
    {
        // Every read of this clock is an hour after the one before, so the second look at the failing
        // pull (the re-check comes within a second) is past an hour's grace. On the machine's clock this
        // run would stay Pending for an hour.
        var clock = new FakeClock(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero)) { StepPerRead = TimeSpan.FromHours(1) };
        var (engine, run) = await StartAsync("clock-grace", new ContainerScenario { ImageMissing = true }, clock);

        var finished = await WaitAsync(engine, run, new WaitOptions { PullGracePeriod = TimeSpan.FromHours(1) });

        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Contains(finished.Reason, new[] { "ErrImagePull", "ImagePullBackOff" });
        Assert.Contains("registry.test/e2e/clock-grace:1", finished.Message, StringComparison.Ordinal);
    }
}
