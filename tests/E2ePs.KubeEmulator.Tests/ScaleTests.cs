using System.Diagnostics;
using k8s;
using k8s.Models;
using Xunit;
using Xunit.Abstractions;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>Throughput and scale figures (printed, not asserted on speed).</summary>
// Tier Full: 1 GB of log and 1,000 jobs under a hundred watches take minutes on a 2-core machine.
[Trait("Tier", "Full")]
public sealed class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LogThroughputIsMeasured()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { TimeStep = TimeSpan.FromMilliseconds(5), ContainerLogMaxSize = 0 });
        server.AddScenario(new ContainerScenario { Image = "bench/logs*", LogMegabytes = 1000, LineLength = 120, DurationMs = 60_000 });
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        var (bytes, seconds) = await LogBenchmark.MeasureAsync(http, "default", "bench", 1000);
        output.WriteLine($"log throughput: {bytes / 1e6:0} MB in {seconds:0.00} s = {bytes / 1e6 / seconds:0} MB/s");
        Assert.True(bytes >= 999_000_000);
    }

    [Fact]
    public async Task ThousandJobsWithAHundredWatches()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { TimeStep = TimeSpan.FromMilliseconds(10), WatchHistorySize = 100_000, PodStatusLag = TimeSpan.FromMilliseconds(100) });
        using var client = EmulatorFixture.CreateClient(server);
        using var cts = new CancellationTokenSource();
        var received = 0L;
        var watchCount = int.TryParse(Environment.GetEnvironmentVariable("EMULATOR_SCALE_WATCHES"), out var wc) ? wc : 100;
        // Ten watches through KubernetesClient, the rest raw streams that count lines: the client's deserialization
        // would otherwise dominate the CPU of this 2-core machine, and the point is what the server sustains.
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var watches = Enumerable.Range(0, watchCount).Select(i => Task.Run(async () =>
        {
            try
            {
                var watchJobs = i % 2 == 0;
                if (i < 10)
                {
                    if (watchJobs)
                    {
                        await foreach (var _ in client.BatchV1.WatchListJobForAllNamespacesAsync(cancellationToken: cts.Token))
                        {
                            Interlocked.Increment(ref received);
                        }
                    }
                    else
                    {
                        await foreach (var _ in client.CoreV1.WatchListPodForAllNamespacesAsync(cancellationToken: cts.Token))
                        {
                            Interlocked.Increment(ref received);
                        }
                    }
                }
                else
                {
                    var path = watchJobs ? "apis/batch/v1/jobs?watch=1" : "api/v1/pods?watch=1";
                    await using var stream = await http.GetStreamAsync(new Uri(path, UriKind.Relative), cts.Token);
                    using var reader = new StreamReader(stream);
                    while (await reader.ReadLineAsync(cts.Token) is not null)
                    {
                        Interlocked.Increment(ref received);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (HttpRequestException)
            {
            }
            catch (IOException)
            {
            }
        })).ToList();
        await Eventually.WaitAsync(() => Task.FromResult(server.GetStats()), s => s.OpenWatches == watchCount, "watches open", 30);

        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job($"bulk-{i:D4}", "busybox:1.36", ["echo", "ok"]), "default");
            }
            finally
            {
                gate.Release();
            }
        }));
        var created = clock.Elapsed;
        await Eventually.WaitAsync(
            async () => (await client.BatchV1.ListNamespacedJobAsync("default")).Items.Count(j => j.Status?.Succeeded == 1),
            n => n == 1000, "1000 jobs complete", 180, pollMs: 500);
        var done = clock.Elapsed;
        var stats = server.GetStats();
        await cts.CancelAsync();
        await Task.WhenAll(watches);
        output.WriteLine($"1000 jobs: created in {created.TotalSeconds:0.0} s, all complete after {done.TotalSeconds:0.0} s; watch events delivered: {Interlocked.Read(ref received)}; peak watches {stats.PeakOpenWatches}; bytes served {stats.BytesServed / 1e6:0} MB");
        Assert.Equal(1000, (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "batch.kubernetes.io/job-name")).Items.Count);
    }
}
