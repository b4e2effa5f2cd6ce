using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using E2ePs.Tests.Support;

namespace E2ePs.Cluster.Tests;

/// <summary>An emulator whose certificate names only a DNS name, not 127.0.0.1: its kubeconfig sets tls-server-name.</summary>
public sealed class ServerNameFixture() : EmulatedCluster("sni")
{
    public const string Name = "api.e2e-cluster.test";

    protected override void Configure(EmulatorOptions options) => options.ServerName = Name;
}

/// <summary>
/// tls-server-name is the name the certificate is checked against on every request: the start (dry run,
/// create), the wait (list and watch), a followed log read. A cluster reached by an address its certificate
/// does not name (a tunnel, a private endpoint) works only this way (client-go transport.go puts it in
/// tls.Config.ServerName).
/// </summary>
public sealed class ServerNameTests(ServerNameFixture cluster) : IClassFixture<ServerNameFixture>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_wait_and_a_followed_log_all_check_the_certificate_against_tls_server_name()
    {
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/sni-{ns}:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["test_sni PASSED"], DurationMs = 300 });
        var job = cluster.Scaffold("sni", ns, image);
        using var limit = new CancellationTokenSource(s_limit);

        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, limit.Token);
        var lines = new List<string>();
        await foreach (var line in cluster.Engine.Cluster.ReadLogsAsync(new LogRequest { Target = cluster.Target(ns), JobName = run.JobName, Uid = run.Uid, Follow = true }, limit.Token))
        {
            lines.Add(line.Message);
        }

        E2eRun? finished = null;
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], new WaitOptions(), limit.Token))
        {
            finished = update.Finished ?? finished;
        }

        Assert.Contains("test_sni PASSED", lines);
        Assert.Equal(E2eRunStatus.Succeeded, finished?.Status);
    }

    [Fact]
    public async Task Without_tls_server_name_the_same_cluster_is_ClusterTlsFailure_naming_what_the_certificate_is_for()
    {
        var text = await File.ReadAllTextAsync(cluster.Emulator.KubeconfigPath);
        var kubeconfig = Path.Combine(cluster.RepositoryRoot, $"no-name-{Guid.NewGuid():N}.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, text.Replace($"    tls-server-name: {ServerNameFixture.Name}\n", "", StringComparison.Ordinal));
        using var limit = new CancellationTokenSource(s_limit);

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.ListNamespacesAsync(new ClusterTarget { Kubeconfig = kubeconfig }, limit.Token));

        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Contains($"DNS:{ServerNameFixture.Name}", error.Message, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1'", error.Message, StringComparison.Ordinal);
    }
}
