using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.KubeEmulator.Scenarios;
using E2ePs.Models;
using k8s;

namespace E2ePs.Cluster.Tests;

/// <summary>Start, wait and logs for each way a test run can end, against the emulator over HTTPS.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RunOutcomeTests(ClusterFixture cluster)
{
    private async Task<(E2eRun Started, E2eRun Finished)> RunAsync(string name, ContainerScenario test, Action<NewJobRequest>? configure = null, WaitOptions? options = null)
    {
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}:1";
        test.Image = image;
        test.ContainerName ??= "test-runner";
        cluster.Emulator.AddScenario(test);
        var job = cluster.Scaffold(name, ns, image, configure);
        var started = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        var finished = Assert.Single(await cluster.WaitAllAsync([started], options));
        return (started, finished);
    }

    [Fact]
    public async Task A_passing_test_succeeds_with_exit_code_zero_and_its_log_in_order()
    {
        var (started, run) = await RunAsync("passing", new ContainerScenario { Lines = ["collected 1 item", "test_health PASSED", "1 passed in 0.59s"] });

        Assert.Equal(E2eRunStatus.Pending, started.Status);
        Assert.Equal(E2eRunStatus.Succeeded, run.Status);
        Assert.Equal(0, run.ExitCode);
        Assert.Single(run.PodNames);
        Assert.NotNull(run.CompletionTime);
        var lines = await cluster.LogsAsync(run);
        Assert.Equal(
            ["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4", "collected 1 item", "test_health PASSED", "1 passed in 0.59s"],
            lines.Select(l => l.Message));
        Assert.True(lines[0].InitContainer);
        Assert.Equal("clone-repo", lines[0].Container);
        Assert.Equal("test-runner", lines[^1].Container);
        Assert.All(lines, l => Assert.NotNull(l.Timestamp));
    }

    [Fact]
    public async Task A_failing_test_fails_with_its_exit_code()
    {
        var (_, run) = await RunAsync("failing", new ContainerScenario { Lines = ["test_health FAILED"], ExitCode = 1 });

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("BackoffLimitExceeded", run.Reason);
        Assert.Contains("exited with code 1", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_fails_fast()
    {
        var (_, run) = await RunAsync("nopull", new ContainerScenario { ImageMissing = true });

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Contains(run.Reason, new[] { "ErrImagePull", "ImagePullBackOff" });
        Assert.Contains("registry.test/e2e/nopull:1", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unschedulable_pod_fails_fast_with_the_schedulers_message()
    {
        var (_, run) = await RunAsync("huge", new ContainerScenario(), r => r.Memory = ["4Ti"]);

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal("Unschedulable", run.Reason);
        Assert.Contains("Insufficient memory", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_clone_reports_the_init_containers_exit_code_and_log_tail()
    {
        var ns = await cluster.NewNamespaceAsync();
        const string image = "registry.test/e2e/noclone:1";
        cluster.Emulator.AddScenario(new ContainerScenario
        {
            Image = "registry.test/git-broken:1",
            ContainerName = "clone-repo",
            Lines = ["Cloning branch gone of https://github.com/example/shop.git", "fatal: Remote branch gone not found in upstream origin"],
            ExitCode = 128,
        });
        var job = cluster.Scaffold("noclone", ns, image);
        // Manifests may be edited by hand: this one clones with an image whose scenario fails.
        File.WriteAllText(job.ManifestPath, File.ReadAllText(job.ManifestPath).Replace("docker.io/alpine/git:v2.47.2", "registry.test/git-broken:1", StringComparison.Ordinal));
        var started = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);

        var run = Assert.Single(await cluster.WaitAllAsync([started]));

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal("InitContainerFailed", run.Reason);
        Assert.Contains("clone-repo", run.Message, StringComparison.Ordinal);
        Assert.Contains("code 128", run.Message, StringComparison.Ordinal);
        Assert.Contains("fatal: Remote branch gone not found", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oom_kill_is_reported_as_such()
    {
        var (_, run) = await RunAsync("oom", new ContainerScenario { Lines = ["loading fixtures"], OomKilled = true });

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal("OOMKilled", run.Reason);
        Assert.Equal(137, run.ExitCode);
    }

    [Fact]
    public async Task A_deadline_ends_the_run_with_DeadlineExceeded()
    {
        var (_, run) = await RunAsync("slow", new ContainerScenario { DurationMs = 60_000 }, r => r.ActiveDeadlineSeconds = 1);

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal("DeadlineExceeded", run.Reason);
    }

    [Fact]
    public async Task A_job_that_retried_into_three_pods_shows_all_three_logs()
    {
        var (_, run) = await RunAsync(
            "flaky",
            new ContainerScenario { Lines = ["attempt"], ExitCodes = [1, 1, 0] },
            r => r.BackoffLimit = 2);

        Assert.Equal(E2eRunStatus.Succeeded, run.Status);
        Assert.Equal(3, run.PodNames.Count);
        var lines = await cluster.LogsAsync(run);
        Assert.Equal(run.PodNames, lines.Where(l => l.Container == "test-runner").Select(l => l.Pod));
        Assert.Equal(3, lines.Count(l => l.Container == "clone-repo" && l.Message.StartsWith("Cloned", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_timeout_ends_the_wait_with_TimedOut_and_leaves_the_job_running()
    {
        var (_, run) = await RunAsync("endless", new ContainerScenario { DurationMs = 120_000 }, options: new WaitOptions { Timeout = TimeSpan.FromSeconds(1) });

        Assert.Equal(E2eRunStatus.TimedOut, run.Status);
        var job = await cluster.Observer.BatchV1.ReadNamespacedJobAsync(run.JobName, run.Namespace);
        Assert.Null(job.Status.CompletionTime);
    }

    [Fact]
    public async Task Following_the_log_of_a_finished_job_writes_every_line_each_time()
    {
        var (_, run) = await RunAsync("finished", new ContainerScenario { Lines = ["one", "two", "three"] });

        // The Job's list may arrive before the pods' list; the follow must not end empty then.
        for (var i = 0; i < 3; i++)
        {
            var lines = await cluster.LogsAsync(run, follow: true);
            Assert.Equal(["one", "two", "three"], lines.Where(l => l.Container == "test-runner").Select(l => l.Message));
        }
    }

    [Fact]
    public async Task Following_a_log_streams_until_the_test_container_ends()
    {
        var ns = await cluster.NewNamespaceAsync();
        const string image = "registry.test/e2e/follow:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", GenerateLines = 200, EmitDurationMs = 1000 });
        var job = cluster.Scaffold("follow", ns, image);
        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);

        // Started before the pod exists: the follow waits for it rather than failing.
        var lines = await cluster.LogsAsync(run, follow: true);

        var test = lines.Where(l => l.Container == "test-runner").ToList();
        Assert.Equal(200, test.Count);
        Assert.Equal(200, test.Select(l => l.Message).Distinct().Count());
    }
}
