using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// With watches dropped, 410 on re-watch, log streams cut and bursts of 429 and 503, every result and
/// every log line is still exactly right; and waiting on many jobs costs one list and one watch per
/// resource and namespace, plus reconnects.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultToleranceTests(ClusterFixture cluster) : IDisposable
{
    public void Dispose() => cluster.Emulator.ClearFaults();

    private async Task<List<E2eRun>> StartManyAsync(string prefix, string ns, int count, Func<int, ContainerScenario> scenario)
    {
        var requests = new List<StartJobRequest>();
        for (var i = 0; i < count; i++)
        {
            var image = $"registry.test/e2e/{prefix}-{i}:1";
            var test = scenario(i);
            test.Image = image;
            test.ContainerName = "test-runner";
            cluster.Emulator.AddScenario(test);
            var job = cluster.Scaffold($"{prefix}-{i}", ns, image);
            requests.Add(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job });
        }

        var started = await Task.WhenAll(requests.Select(r => cluster.Engine.Cluster.StartAsync(r, CancellationToken.None)));
        return [.. started];
    }

    [Fact]
    public async Task Fifty_jobs_at_once_are_waited_for_with_one_list_and_one_watch_per_resource_and_namespace()
    {
        var ns = await cluster.NewNamespaceAsync();
        var runs = await StartManyAsync("many", ns, 50, i => new ContainerScenario { DurationMs = 100 + (i * 20), ExitCode = i % 10 == 9 ? 1 : 0 });
        cluster.Emulator.ResetStats();

        var finished = await cluster.WaitAllAsync(runs);

        Assert.Equal(50, finished.Count);
        Assert.Equal(runs.Select(r => r.RunId).Order(), finished.Select(r => r.RunId).Order());
        Assert.Equal(45, finished.Count(r => r.Status == E2eRunStatus.Succeeded));
        Assert.All(finished.Where(r => r.Name.EndsWith('9')), r => Assert.Equal(1, r.ExitCode));
        var stats = cluster.Emulator.GetStats();
        // One list of Jobs, one of pods and one of events; then one fresh read of the pods of each failed
        // run, for its last state.
        Assert.Equal(3 + 5, stats.RequestsByVerb.GetValueOrDefault("list"));
        Assert.Equal(1, stats.RequestsByVerbAndResource.GetValueOrDefault("list events"));
        Assert.InRange(stats.RequestsByVerb.GetValueOrDefault("watch"), 3, 6);
        Assert.InRange(stats.PeakOpenWatches, 1, 3);
    }

    [Fact]
    public async Task Results_are_right_when_watches_drop_and_re_watches_get_410()
    {
        var ns = await cluster.NewNamespaceAsync();
        var runs = await StartManyAsync("flaky-watch", ns, 8, i => new ContainerScenario { DurationMs = 200 + (i * 50), ExitCode = i % 2 });
        cluster.Emulator.SetFaults(new FaultSettings { WatchCloseAfterEvents = 3, RewatchGoneCount = 3 });

        var finished = await cluster.WaitAllAsync(runs);

        Assert.Equal(8, finished.Count);
        foreach (var run in finished)
        {
            var index = int.Parse(run.Name[(run.Name.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(index % 2 == 0 ? E2eRunStatus.Succeeded : E2eRunStatus.Failed, run.Status);
            Assert.Equal(index % 2, run.ExitCode);
        }

        // Every re-watch after a 410 listed again.
        Assert.True(cluster.Emulator.GetStats().RequestsByVerb.GetValueOrDefault("list") >= 3);
    }

    [Fact]
    public async Task Results_are_right_through_bursts_of_429_and_503()
    {
        var ns = await cluster.NewNamespaceAsync();
        cluster.Emulator.SetFaults(new FaultSettings { TooManyRequestsCount = 4, RetryAfterSeconds = 0 });
        var runs = await StartManyAsync("throttled", ns, 3, _ => new ContainerScenario { DurationMs = 100 });
        cluster.Emulator.SetFaults(new FaultSettings { ServerErrorCount = 5, ServerErrorCode = 503 });

        var finished = await cluster.WaitAllAsync(runs);

        Assert.All(finished, r => Assert.Equal(E2eRunStatus.Succeeded, r.Status));
        Assert.Equal(3, finished.Count);
    }

    [Fact]
    public async Task A_followed_log_cut_in_the_middle_loses_and_repeats_no_line()
    {
        var ns = await cluster.NewNamespaceAsync();
        // Reopening asks for the lines since the second of the last line seen (sinceTime has second
        // precision), so the cut leaves room for more than one second of lines: 500 a second, cut at 700.
        var run = (await StartManyAsync("cut-log", ns, 1, _ => new ContainerScenario { GenerateLines = 3000, EmitDurationMs = 6000 }))[0];
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterLines = 700 });

        var lines = await cluster.LogsAsync(run, follow: true);

        var test = lines.Where(l => l.Container == "test-runner").Select(l => l.Message).ToList();
        Assert.Equal(3000, test.Count);
        Assert.Equal(3000, test.Distinct().Count());
        // Generated lines are numbered: they must arrive in order, none skipped.
        Assert.Equal(test.OrderBy(l => l, StringComparer.Ordinal), test);
    }

    [Fact]
    public async Task A_waiter_resumes_after_connections_are_reset()
    {
        var ns = await cluster.NewNamespaceAsync();
        var runs = await StartManyAsync("reset", ns, 2, _ => new ContainerScenario { DurationMs = 500 });
        cluster.Emulator.SetFaults(new FaultSettings { ResetConnectionCount = 3 });

        var finished = await cluster.WaitAllAsync(runs);

        Assert.All(finished, r => Assert.Equal(E2eRunStatus.Succeeded, r.Status));
    }
}
