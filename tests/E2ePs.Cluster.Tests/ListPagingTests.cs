using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Platform;
using E2ePs.KubeEmulator;
using E2ePs.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Every list E2ePs makes follows limit and continue to the last page (the emulator pages as the API server
/// does, staging/src/k8s.io/apiserver/pkg/storage). With a page size of one item, an answer that missed a
/// page would miss a run, a pod or an event; the same questions asked with kubectl's default chunk size
/// are the reference.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ListPagingTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Runs_their_pods_containers_logs_and_events_are_all_read_a_page_of_one_at_a_time()
    {
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/paged-{ns}:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["test_a PASSED", "test_b PASSED"] });
        var job = cluster.Scaffold("paged", ns, image);
        using var factory = new ClusterConnectionFactory(SystemClock.Instance) { ListPageSize = 1 };
        var paged = new EngineEntry(factory, SystemClock.Instance);
        using var limit = new CancellationTokenSource(s_limit);
        var runs = new List<E2eRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await paged.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, limit.Token));
        }

        await cluster.WaitAllAsync(runs);
        var query = new RunQuery { Target = cluster.Target(ns) };

        var listed = await paged.Cluster.ListRunsAsync(query, limit.Token);
        var reference = await cluster.Engine.Cluster.ListRunsAsync(query, limit.Token);
        var lines = new List<string>();
        await foreach (var line in paged.Cluster.ReadLogsAsync(new LogRequest { Target = cluster.Target(ns), JobName = runs[0].JobName, Uid = runs[0].Uid }, limit.Token))
        {
            lines.Add(line.Message);
        }

        var containers = await paged.Cluster.ListPodContainersAsync(cluster.Target(ns), runs[0].JobName, limit.Token);
        var diagnostic = await paged.Diagnostics.DiagnoseAsync(new DiagnosticRequest { Target = cluster.Target(ns), JobName = runs[0].JobName, Uid = runs[0].Uid }, limit.Token);
        var referenceDiagnostic = await cluster.Engine.Diagnostics.DiagnoseAsync(new DiagnosticRequest { Target = cluster.Target(ns), JobName = runs[0].JobName, Uid = runs[0].Uid }, limit.Token);
        var namespaces = await paged.Cluster.ListNamespacesAsync(cluster.Target(), limit.Token);

        Assert.Equal(3, listed.Count);
        Assert.Equal(reference.Select(r => r.Uid).Order(StringComparer.Ordinal), listed.Select(r => r.Uid).Order(StringComparer.Ordinal));
        Assert.All(listed, r => Assert.Equal(E2eRunStatus.Succeeded, r.Status));
        Assert.Equal(["test_a PASSED", "test_b PASSED"], lines.Where(l => l.StartsWith("test_", StringComparison.Ordinal)));
        Assert.Equal(["clone-repo", "test-runner"], containers.Order(StringComparer.Ordinal));
        // A Job and its pod have several events (SuccessfulCreate, Scheduled, Pulled, Created, Started, Completed...).
        Assert.True(referenceDiagnostic.Events.Count > 3, $"{referenceDiagnostic.Events.Count} events");
        Assert.Equal(referenceDiagnostic.Events.Select(e => e.Reason), diagnostic.Events.Select(e => e.Reason));
        // The scheduler's event is an events.k8s.io one (eventTime, no legacy timestamps or count): still timed and counted.
        var scheduled = Assert.Single(diagnostic.Events, e => e.Reason == "Scheduled");
        Assert.NotNull(scheduled.FirstTime);
        Assert.NotNull(scheduled.LastTime);
        Assert.Equal(1, scheduled.Count);
        Assert.Contains(ns, namespaces);
        Assert.Contains("default", namespaces);
    }
}
