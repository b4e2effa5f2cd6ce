using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Waits across what a real API server does to its watches (docs/emulator.md, "Watch cache and restarts"):
/// a Job deleted while the waiter's watch was down ends its wait as JobDeleted (no DELETED event ever
/// comes; only the re-list says so), an API server restart is survived with the right verdict, and an
/// etcd restore that took the run's Job away ends the wait at once instead of at the timeout.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ApiServerRestartTests(ClusterFixture cluster) : IDisposable
{
    /// <summary>Long enough that a wait which missed the end would show as TimedOut, not as a verdict.</summary>
    private static readonly WaitOptions s_options = new() { Timeout = TimeSpan.FromSeconds(60) };

    public void Dispose() => cluster.Emulator.ClearFaults();

    private async Task<E2eRun> StartAsync(string name, string ns, ContainerScenario scenario, Action<NewJobRequest>? configure = null)
    {
        var image = $"registry.test/e2e/{name}:1";
        scenario.Image = image;
        scenario.ContainerName = "test-runner";
        cluster.Emulator.AddScenario(scenario);
        var job = cluster.Scaffold(name, ns, image, configure);
        return await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
    }

    /// <summary>Waits for <paramref name="run"/>; <paramref name="whileRunning"/> runs once the waiter has seen it Running.</summary>
    private async Task<E2eRun> WaitAsync(E2eRun run, Func<Task> whileRunning)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        E2eRun? finished = null;
        Task? acting = null;
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], s_options, limit.Token))
        {
            if (update.Running > 0 && acting is null)
            {
                // The waiter's watches are open: the run went Running through them.
                acting = whileRunning();
            }

            finished = update.Finished ?? finished;
        }

        Assert.NotNull(acting);
        await acting;
        return Assert.IsType<E2eRun>(finished);
    }

    /// <summary>Returns once the pod is gone, by a read and a watch from its resourceVersion (lists fail in that test).</summary>
    private async Task UntilPodGoneWithoutListingAsync(string ns, string name)
    {
        V1Pod pod;
        try
        {
            pod = await cluster.Observer.CoreV1.ReadNamespacedPodAsync(name, ns);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var (type, _) in cluster.Observer.CoreV1.WatchListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}", resourceVersion: pod.Metadata.ResourceVersion, cancellationToken: limit.Token))
        {
            if (type == WatchEventType.Deleted)
            {
                return;
            }
        }
    }

    /// <summary>Returns once the Job is gone, by a read and a watch from its resourceVersion (lists fail in that test).</summary>
    private async Task UntilGoneWithoutListingAsync(string ns, string name)
    {
        V1Job job;
        try
        {
            job = await cluster.Observer.BatchV1.ReadNamespacedJobAsync(name, ns);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var (type, _) in cluster.Observer.BatchV1.WatchListNamespacedJobAsync(ns, fieldSelector: $"metadata.name={name}", resourceVersion: job.Metadata.ResourceVersion, cancellationToken: limit.Token))
        {
            if (type == WatchEventType.Deleted)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Restarts the API server after a change the waiter does not watch, so that every resourceVersion it
    /// holds is older than where the new watch cache starts: its resumed watches get 410 and it re-lists.
    /// </summary>
    private async Task RestartBehindTheWaiterAsync(string ns)
    {
        await cluster.Observer.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "unwatched-change" } }, ns);
        cluster.Emulator.Restart(RestartMode.LoseHistory);
    }

    [Fact]
    public async Task A_Job_deleted_while_the_watch_was_down_ends_the_wait_as_JobDeleted()
    {
        var ns = await cluster.NewNamespaceAsync();
        var run = await StartAsync("gap-deleted", ns, new ContainerScenario { DurationMs = 120_000 });

        var finished = await WaitAsync(run, async () =>
        {
            // The restart drops the waiter's watches and its re-watches get 410; its re-list of Jobs fails
            // until the Job is gone, so no DELETED event can tell it: only the re-list's full set can.
            cluster.Emulator.SetFaults(new FaultSettings { ServerErrorCount = 1_000, ServerErrorVerb = "list", ServerErrorResource = "jobs" });
            await RestartBehindTheWaiterAsync(ns);
            await cluster.Observer.BatchV1.DeleteNamespacedJobAsync(run.JobName, ns, propagationPolicy: "Background");
            await UntilGoneWithoutListingAsync(ns, run.JobName);
            cluster.Emulator.ClearFaults();
        });

        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Equal("JobDeleted", finished.Reason);
        Assert.Contains("deleted while the wait was not watching: its connection to the API server dropped", finished.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_goes_on_through_an_API_server_restart_and_ends_with_its_own_verdict()
    {
        var ns = await cluster.NewNamespaceAsync();
        var run = await StartAsync("restarted", ns, new ContainerScenario { DurationMs = 1_500, ExitCode = 3 });
        var listsBefore = 0L;

        var finished = await WaitAsync(run, async () =>
        {
            listsBefore = cluster.Emulator.GetStats().RequestsByVerbAndResource.GetValueOrDefault("list jobs");
            await RestartBehindTheWaiterAsync(ns);
        });

        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Equal(3, finished.ExitCode);
        Assert.NotEqual("JobDeleted", finished.Reason);
        // The waiter's resumed watch got 410 from the new watch cache and listed again.
        Assert.True(cluster.Emulator.GetStats().RequestsByVerbAndResource.GetValueOrDefault("list jobs") > listsBefore);
    }

    [Fact]
    public async Task An_etcd_restore_that_took_the_Job_away_ends_the_wait_at_once_as_JobDeleted()
    {
        var ns = await cluster.NewNamespaceAsync();
        // The backup is older than the run: restored, the cluster has never heard of its Job.
        cluster.Emulator.TakeSnapshot();
        var run = await StartAsync("restored-away", ns, new ContainerScenario { DurationMs = 120_000 });
        var started = DateTimeOffset.UtcNow;

        var finished = await WaitAsync(run, () =>
        {
            cluster.Emulator.Restart(RestartMode.Rewind);
            return Task.CompletedTask;
        });

        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Equal("JobDeleted", finished.Reason);
        // Usually the list comes back at a lower resourceVersion ("etcd was restored"); when the cluster's
        // activity has already taken the counter past what the waiter saw, only the missing Job says it.
        Assert.Matches("etcd was restored|deleted while the wait was not watching", finished.Message);
        Assert.True(DateTimeOffset.UtcNow - started < s_options.Timeout, "the wait ended by itself, not at its timeout");
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(ns)).Items);
    }

    [Fact]
    public async Task A_followed_log_waiting_for_a_pod_that_went_in_a_watch_gap_ends_instead_of_hanging()
    {
        var ns = await cluster.NewNamespaceAsync();
        // A pod that is never scheduled: the follow waits for its container to start, on a watch of that pod.
        var run = await StartAsync("follow-gap", ns, new ContainerScenario(), r => r.Memory = ["4Ti"]);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await foreach (var (type, _) in cluster.Observer.CoreV1.WatchListNamespacedPodAsync(ns, cancellationToken: limit.Token))
        {
            // The pod exists: the follow finds it in its first list and goes on to wait for its containers.
            break;
        }

        var watchesBefore = cluster.Emulator.GetStats().RequestsByVerbAndResource.GetValueOrDefault("watch pods");
        var follow = Task.Run(async () =>
        {
            await foreach (var _ in cluster.Engine.Cluster.ReadLogsAsync(new LogRequest { Target = cluster.Target(ns), JobName = run.JobName, Uid = run.Uid, Follow = true }, limit.Token))
            {
            }
        });

        // A watch of pods from the follow: the wait for the pod's first container to start.
        var bound = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (cluster.Emulator.GetStats().RequestsByVerbAndResource.GetValueOrDefault("watch pods") <= watchesBefore)
        {
            Assert.True(DateTimeOffset.UtcNow < bound, "the follow never watched its pod");
            Assert.False(follow.IsCompleted, "the follow ended before its pod started");
            await Task.Delay(20);
        }

        var pod = (await cluster.Observer.CoreV1.ListNamespacedPodAsync(ns)).Items.Single();
        cluster.Emulator.SetFaults(new FaultSettings { ServerErrorCount = 1_000, ServerErrorVerb = "list", ServerErrorResource = "pods" });
        await RestartBehindTheWaiterAsync(ns);
        await cluster.Observer.BatchV1.DeleteNamespacedJobAsync(run.JobName, ns, propagationPolicy: "Background");
        await UntilPodGoneWithoutListingAsync(ns, pod.Metadata.Name);
        cluster.Emulator.ClearFaults();

        // Without a DELETED event the pod is only missing from the re-list: the follow stops waiting for it
        // and then finds the Job gone (JobNotFound), or finds both gone in its lists and ends.
        try
        {
            await follow;
        }
        catch (E2eException error)
        {
            Assert.Equal("JobNotFound", error.ErrorId);
        }

        Assert.False(limit.IsCancellationRequested);
    }
}
