using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using k8s;

namespace E2ePs.Cluster.Tests;

/// <summary>Every bad input is a clear error with an id, and a failed command changes nothing in the cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture cluster)
{
    private async Task<E2eException> StartFailsAsync(ClusterTarget target, string manifestPath)
    {
        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = target, ManifestPath = manifestPath }, CancellationToken.None));

        // Nothing of the job exists anywhere in the cluster.
        var name = $"metadata.name=test-{Path.GetFileNameWithoutExtension(manifestPath)[8..^4]}-e2e";
        Assert.Empty((await cluster.Observer.BatchV1.ListJobForAllNamespacesAsync(fieldSelector: name)).Items);
        Assert.Empty((await cluster.Observer.CoreV1.ListServiceAccountForAllNamespacesAsync(fieldSelector: name)).Items);
        Assert.Empty((await cluster.Observer.RbacAuthorizationV1.ListRoleForAllNamespacesAsync(fieldSelector: name)).Items);
        return error;
    }

    [Fact]
    public async Task An_unknown_context_names_the_contexts_that_exist()
    {
        var job = cluster.Scaffold("bad-context", "default", "registry.test/e2e/x:1");

        var error = await StartFailsAsync(new ClusterTarget { Kubeconfig = cluster.Emulator.KubeconfigPath, Context = "prod" }, job.ManifestPath);

        Assert.Equal("ContextNotFound", error.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, error.Category);
        Assert.Contains("emulator", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_named()
    {
        var job = cluster.Scaffold("bad-kubeconfig", "default", "registry.test/e2e/x:1");
        var missing = Path.Combine(Path.GetTempPath(), "no-such-kubeconfig");

        var error = await StartFailsAsync(new ClusterTarget { Kubeconfig = missing }, job.ManifestPath);

        Assert.Equal("KubeconfigNotFound", error.ErrorId);
        Assert.Equal(missing, error.Target);
    }

    [Fact]
    public async Task A_namespace_that_does_not_exist_changes_nothing()
    {
        var job = cluster.Scaffold("bad-namespace", "nowhere", "registry.test/e2e/x:1");

        var error = await StartFailsAsync(cluster.Target(), job.ManifestPath);

        Assert.Equal("NamespaceNotFound", error.ErrorId);
        Assert.Contains("nowhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_is_reported_as_unauthorized_with_the_context_and_server()
    {
        var job = cluster.Scaffold("bad-token", "default", "registry.test/e2e/x:1");
        var kubeconfig = Path.Combine(cluster.RepositoryRoot, "wrong-token.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(cluster.Emulator.KubeconfigPath)).Replace(cluster.Emulator.Token, "not-the-token", StringComparison.Ordinal));

        var error = await StartFailsAsync(new ClusterTarget { Kubeconfig = kubeconfig }, job.ManifestPath);

        Assert.Equal("ClusterUnauthorized", error.ErrorId);
        Assert.Equal(E2eErrorCategory.AuthenticationError, error.Category);
        Assert.Contains(cluster.Emulator.ServerUri.Authority, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_permission_to_create_jobs_changes_nothing()
    {
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold("forbidden", ns, "registry.test/e2e/x:1");
        var token = cluster.Emulator.AddToken("intern");
        var kubeconfig = Path.Combine(cluster.RepositoryRoot, "intern.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(cluster.Emulator.KubeconfigPath)).Replace(cluster.Emulator.Token, token, StringComparison.Ordinal));

        var error = await StartFailsAsync(new ClusterTarget { Kubeconfig = kubeconfig }, job.ManifestPath);

        Assert.Equal("ClusterForbidden", error.ErrorId);
        Assert.Equal(E2eErrorCategory.PermissionDenied, error.Category);
        Assert.Contains("intern", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_and_removal_of_a_job_that_does_not_exist_are_JobNotFound()
    {
        var logs = new LogRequest { Target = cluster.Target("default"), JobName = "test-ghost-e2e" };

        var readError = await Assert.ThrowsAsync<E2eException>(async () =>
        {
            await foreach (var line in cluster.Engine.Cluster.ReadLogsAsync(logs, CancellationToken.None))
            {
                Assert.Fail($"unexpected line {line}");
            }
        });
        var removeError = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.RemoveAsync(cluster.Target("default"), "test-ghost-e2e", all: true, CancellationToken.None));

        Assert.Equal("JobNotFound", readError.ErrorId);
        Assert.Equal("JobNotFound", removeError.ErrorId);
    }

    [Fact]
    public async Task A_container_the_pod_does_not_have_names_the_ones_it_has()
    {
        var ns = await cluster.NewNamespaceAsync();
        const string image = "registry.test/e2e/containers:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["ok"] });
        var job = cluster.Scaffold("containers", ns, image);
        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        await cluster.WaitAllAsync([run]);
        var request = new LogRequest { Target = cluster.Target(ns), JobName = run.JobName, Container = "nope" };

        var error = await Assert.ThrowsAsync<E2eException>(async () =>
        {
            await foreach (var line in cluster.Engine.Cluster.ReadLogsAsync(request, CancellationToken.None))
            {
                Assert.Fail($"unexpected line {line}");
            }
        });

        Assert.Equal("ContainerNotFound", error.ErrorId);
        Assert.Contains("clone-repo, test-runner", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_again_adds_a_run_of_its_own_and_remove_all_cleans_up()
    {
        var ns = await cluster.NewNamespaceAsync();
        const string image = "registry.test/e2e/again:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", DurationMs = 100 });
        var job = cluster.Scaffold("again", ns, image);
        var request = new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job };

        var first = await cluster.Engine.Cluster.StartAsync(request, CancellationToken.None);
        var second = await cluster.Engine.Cluster.StartAsync(request, CancellationToken.None);

        Assert.NotEqual(first.Uid, second.Uid);
        Assert.NotEqual(first.RunId, second.RunId);
        Assert.NotEqual(first.JobName, second.JobName);
        // Nothing is deleted to start a run: the first one is still there, beside the second.
        var jobs = await cluster.Observer.BatchV1.ListNamespacedJobAsync(ns);
        Assert.Equal(new[] { first.Uid, second.Uid }.Order(), jobs.Items.Select(j => j.Metadata.Uid).Order());
        Assert.All(jobs.Items, j => Assert.Equal("again", j.Metadata.Labels["e2eps.io/job"]));

        foreach (var run in new[] { first, second })
        {
            Assert.Equal([$"Job/{run.JobName}"], await cluster.Engine.Cluster.RemoveAsync(cluster.Target(ns), run.JobName, all: false, CancellationToken.None));
        }

        var removed = await cluster.Engine.Cluster.RemoveAsync(cluster.Target(ns), "test-again-e2e", all: true, CancellationToken.None);

        Assert.Equal(["RoleBinding/test-again-e2e", "Role/test-again-e2e", "ServiceAccount/test-again-e2e"], removed);
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(ns)).Items);
        Assert.Empty((await cluster.Observer.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }
}
