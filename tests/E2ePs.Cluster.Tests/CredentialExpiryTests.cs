using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Platform;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using E2ePs.Tests.Support;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Tokens from exec credential plugins expire, and a server may refuse one before the expiry the plugin
/// claimed. On a 401 the plugin is run again and the request retried once, for every kind of request (a
/// list, a watch, a log read), as client-go refreshes on a 401 (plugin/pkg/client/auth/exec/exec.go). The
/// plugin is a real bash script handing out the emulator's tokens; the emulator refuses a token once the
/// test expires it, independently of what the plugin said.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CredentialExpiryTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    /// <summary>Admin tokens, as a plugin of a cluster administrator would hand out.</summary>
    private string AdminToken() => cluster.Emulator.AddToken("plugin-user", ["system:masters"]);

    private (ExecCredentialScript Plugin, string Kubeconfig) ExecKubeconfig(params string[] tokens)
    {
        // The plugin says its tokens last an hour: only the server's 401 can tell the client otherwise.
        var plugin = new ExecCredentialScript(cluster.RepositoryRoot, tokens, DateTimeOffset.UtcNow.AddHours(1));
        var kubeconfig = Path.Combine(cluster.RepositoryRoot, $"exec-{Guid.NewGuid():N}.kubeconfig");
        cluster.Emulator.WriteExecKubeconfig(kubeconfig, plugin.Path);
        return (plugin, kubeconfig);
    }

    [Fact]
    public async Task A_token_the_server_refuses_runs_the_plugin_again_and_the_request_succeeds()
    {
        var first = AdminToken();
        var (plugin, kubeconfig) = ExecKubeconfig(first, AdminToken());
        var target = new ClusterTarget { Kubeconfig = kubeconfig };
        using var limit = new CancellationTokenSource(s_limit);
        Assert.Contains("default", await cluster.Engine.Cluster.ListNamespacesAsync(target, limit.Token));
        Assert.Equal(1, plugin.Runs);

        cluster.Emulator.ExpireToken(first);
        var namespaces = await cluster.Engine.Cluster.ListNamespacesAsync(target, limit.Token);

        Assert.Contains("default", namespaces);
        Assert.Equal(2, plugin.Runs);
    }

    [Fact]
    public async Task A_wait_and_a_log_read_after_the_token_expired_get_the_new_token_with_one_plugin_run()
    {
        var first = AdminToken();
        var (plugin, kubeconfig) = ExecKubeconfig(first, AdminToken());
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/expiry-{ns}:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["test_login PASSED"] });
        var job = cluster.Scaffold("expiry", ns, image);
        using var limit = new CancellationTokenSource(s_limit);
        // The context named as the wait names it (from the run), so start, wait and log read share one client.
        var target = new ClusterTarget { Kubeconfig = kubeconfig, Context = "emulator" };
        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = target, ManifestPath = job.ManifestPath, Job = job }, limit.Token);

        cluster.Emulator.ExpireToken(first);
        E2eRun? finished = null;
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], new WaitOptions(), limit.Token))
        {
            finished = update.Finished ?? finished;
        }

        var lines = new List<string>();
        await foreach (var line in cluster.Engine.Cluster.ReadLogsAsync(new LogRequest { Target = new ClusterTarget { Kubeconfig = kubeconfig, Context = "emulator", Namespace = ns }, JobName = run.JobName, Uid = run.Uid }, limit.Token))
        {
            lines.Add(line.Message);
        }

        Assert.Equal(E2eRunStatus.Succeeded, finished?.Status);
        Assert.Contains("test_login PASSED", lines);
        // The watch, the list and the log requests that met the 401 share one refresh.
        Assert.Equal(2, plugin.Runs);
    }

    [Fact]
    public async Task A_plugin_that_gives_the_refused_token_again_is_ClusterUnauthorized_after_one_retry_and_the_client_is_dropped()
    {
        var only = AdminToken();
        var (plugin, kubeconfig) = ExecKubeconfig(only);
        var target = new ClusterTarget { Kubeconfig = kubeconfig };
        using var limit = new CancellationTokenSource(s_limit);
        await cluster.Engine.Cluster.ListNamespacesAsync(target, limit.Token);
        cluster.Emulator.ExpireToken(only);

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.ListNamespacesAsync(target, limit.Token));
        Assert.Equal("ClusterUnauthorized", error.ErrorId);
        Assert.Equal(E2eErrorCategory.AuthenticationError, error.Category);
        Assert.Equal(2, plugin.Runs);

        // The next call does not reuse the client that failed: the kubeconfig is read and the plugin run afresh.
        await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.ListNamespacesAsync(target, limit.Token));
        Assert.Equal(4, plugin.Runs);
    }

    [Fact]
    public async Task A_static_token_the_server_refuses_drops_the_cached_client_so_a_new_token_in_the_same_file_is_used()
    {
        // A kubeconfig whose token is replaced in place, by a tool that keeps the file's write time (a
        // mounted Secret is one): the refused client must not stay cached under the same key.
        var refused = AdminToken();
        var kubeconfig = Path.Combine(cluster.RepositoryRoot, $"static-{Guid.NewGuid():N}.kubeconfig");
        var text = await File.ReadAllTextAsync(cluster.Emulator.KubeconfigPath);
        await File.WriteAllTextAsync(kubeconfig, text.Replace(cluster.Emulator.Token, refused, StringComparison.Ordinal));
        var written = File.GetLastWriteTimeUtc(kubeconfig);
        using var factory = new ClusterConnectionFactory(SystemClock.Instance);
        var engine = new EngineEntry(factory, SystemClock.Instance);
        var target = new ClusterTarget { Kubeconfig = kubeconfig };
        using var limit = new CancellationTokenSource(s_limit);
        await engine.Cluster.ListNamespacesAsync(target, limit.Token);
        cluster.Emulator.ExpireToken(refused);

        var error = await Assert.ThrowsAsync<E2eException>(() => engine.Cluster.ListNamespacesAsync(target, limit.Token));
        await File.WriteAllTextAsync(kubeconfig, text.Replace(cluster.Emulator.Token, AdminToken(), StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(kubeconfig, written);

        Assert.Equal("ClusterUnauthorized", error.ErrorId);
        Assert.Contains("default", await engine.Cluster.ListNamespacesAsync(target, limit.Token));
    }

    [Fact]
    public async Task KUBECONFIG_and_the_home_folder_come_from_the_process_environment_seam()
    {
        var home = Path.Combine(cluster.RepositoryRoot, $"home-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(home, ".kube"));
        File.Copy(cluster.Emulator.KubeconfigPath, Path.Combine(home, ".kube", "config"));
        using var fromHome = new ClusterConnectionFactory(SystemClock.Instance, new DictionaryProcessEnvironment(new Dictionary<string, string?> { ["HOME"] = home, ["USERPROFILE"] = home }));
        using var fromVariable = new ClusterConnectionFactory(SystemClock.Instance, new DictionaryProcessEnvironment(new Dictionary<string, string?> { ["HOME"] = home, ["USERPROFILE"] = home, ["KUBECONFIG"] = "~/missing.yaml" }));

        var connection = fromHome.Get(new ClusterTarget());
        var error = Assert.Throws<E2eException>(() => fromVariable.Get(new ClusterTarget()));

        Assert.Equal(cluster.Emulator.ServerUri.ToString().TrimEnd('/'), connection.Identity.Server.TrimEnd('/'));
        Assert.Equal("KubeconfigNotFound", error.ErrorId);
        Assert.Contains(Path.Combine(home, "missing.yaml"), error.Message, StringComparison.Ordinal);
    }
}
