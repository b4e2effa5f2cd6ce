using System.Net;
using System.Security.Authentication;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Platform;
using E2ePs.KubeEmulator;
using E2ePs.Tests.Support;
using k8s;

namespace E2ePs.Cluster.Tests;

/// <summary>An emulator of its own, so that what reaches it comes from these tests only.</summary>
public sealed class TlsFixture() : EmulatedCluster("tls");

/// <summary>
/// The API server's certificate is verified as kubectl verifies it: chain to the kubeconfig's CA and
/// the host name (or tls-server-name), on every connection, before any credential is sent. A real TLS
/// front on 127.0.0.1 serves a certificate of its own CA for DNS:evil.example only and forwards to
/// the emulator; it records every byte a client sends it after the handshake.
/// </summary>
public sealed class TlsVerificationTests(TlsFixture cluster) : IClassFixture<TlsFixture>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    // The clients these tests look at directly; the engine's own come from its factory.
    private readonly ClusterConnectionFactory _connections = new(SystemClock.Instance);

    private string KubeconfigPath(string name) => Path.Combine(cluster.RepositoryRoot, name + "-" + Guid.NewGuid().ToString("N")[..6] + ".kubeconfig");

    private async Task<StartJobRequest> JobAsync(string name)
    {
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold(name, ns, "registry.test/e2e/tls:1");
        return new StartJobRequest { ManifestPath = job.ManifestPath, Job = job };
    }

    private async Task<int> JobsInAsync(StartJobRequest request) =>
        (await cluster.Observer.BatchV1.ListNamespacedJobAsync(request.Job!.Namespace)).Items.Count;

    [Fact]
    public async Task KubernetesClient_on_its_own_accepts_a_certificate_for_another_name_and_sends_the_token()
    {
        // The hole this suite guards against, shown with the library alone: without E2ePs's verifier the
        // handshake completes and the bearer token reaches the front.
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        var kubeconfig = front.WriteKubeconfig(KubeconfigPath("library"), cluster.Emulator.Token);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        using var limit = new CancellationTokenSource(s_limit);

        await client.CoreV1.ListNamespaceAsync(cancellationToken: limit.Token);

        Assert.Contains("Bearer " + cluster.Emulator.Token, front.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_ClusterTlsFailure_and_nothing_reaches_the_server()
    {
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        var request = await JobAsync("tls-evil");
        request.Target = new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("evil"), cluster.Emulator.Token) };
        using var limit = new CancellationTokenSource(s_limit);

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(request, limit.Token));

        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Equal(E2eErrorCategory.SecurityError, error.Category);
        Assert.Contains(front.ServerUri.Authority, Assert.IsType<string>(error.Target), StringComparison.Ordinal);
        Assert.Contains("DNS:evil.example", error.Message, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("tls-server-name", error.RecommendedAction, StringComparison.Ordinal);

        // The client broke off the handshake: no request, no token, no connection to the emulator, no Job.
        Assert.Equal("", front.Received);
        Assert.Equal(0, front.UpstreamConnections);
        Assert.Equal(0, await JobsInAsync(request));
    }

    [Fact]
    public async Task With_tls_server_name_the_same_front_is_accepted()
    {
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        var request = await JobAsync("tls-named");
        request.Target = new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("named"), cluster.Emulator.Token, tlsServerName: "evil.example") };
        using var limit = new CancellationTokenSource(s_limit);

        var run = await cluster.Engine.Cluster.StartAsync(request, limit.Token);

        Assert.Equal(1, await JobsInAsync(request));
        Assert.Equal(E2ePs.Naming.JobLayout.RunJobName("test-tls-named-e2e", run.RunId), run.JobName);
        Assert.Contains("Bearer " + cluster.Emulator.Token, front.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_front_with_a_certificate_for_127_0_0_1_is_accepted_and_tls_server_name_still_must_match()
    {
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["localhost"], [IPAddress.Loopback]);
        var good = await JobAsync("tls-ip");
        good.Target = new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("ip"), cluster.Emulator.Token) };
        var wrongName = await JobAsync("tls-wrong-name");
        wrongName.Target = new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("wrong-name"), cluster.Emulator.Token, tlsServerName: "api.example") };
        using var limit = new CancellationTokenSource(s_limit);

        await cluster.Engine.Cluster.StartAsync(good, limit.Token);
        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(wrongName, limit.Token));

        Assert.Equal(1, await JobsInAsync(good));
        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Contains("'api.example'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobsInAsync(wrongName));
    }

    [Fact]
    public async Task Another_CA_is_refused_even_for_the_right_name()
    {
        // The emulator's own certificate (for 127.0.0.1) with the front's CA in the kubeconfig.
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        var text = await File.ReadAllTextAsync(front.WriteKubeconfig(KubeconfigPath("other-ca"), cluster.Emulator.Token));
        var kubeconfig = KubeconfigPath("other-ca-direct");
        await File.WriteAllTextAsync(kubeconfig, text.Replace(front.ServerUri.ToString().TrimEnd('/'), cluster.Emulator.ServerUri.ToString().TrimEnd('/'), StringComparison.Ordinal));
        var request = await JobAsync("tls-other-ca");
        request.Target = new ClusterTarget { Kubeconfig = kubeconfig };
        using var limit = new CancellationTokenSource(s_limit);

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(request, limit.Token));

        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Contains("certificate-authority", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobsInAsync(request));
    }

    [Fact]
    public async Task An_intermediate_CA_in_the_kubeconfig_is_trusted_as_kubectl_trusts_it_but_the_name_still_counts()
    {
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["localhost"], [IPAddress.Loopback], intermediate: true);
        await using var evil = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"], intermediate: true);
        var good = await JobAsync("tls-intermediate");
        good.Target = new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("intermediate"), cluster.Emulator.Token) };
        var bad = await JobAsync("tls-intermediate-evil");
        bad.Target = new ClusterTarget { Kubeconfig = evil.WriteKubeconfig(KubeconfigPath("intermediate-evil"), cluster.Emulator.Token) };
        using var limit = new CancellationTokenSource(s_limit);

        await cluster.Engine.Cluster.StartAsync(good, limit.Token);
        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(bad, limit.Token));

        Assert.Equal(1, await JobsInAsync(good));
        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Contains("DNS:evil.example", error.Message, StringComparison.Ordinal);
        Assert.Equal("", evil.Received);
    }

    [Fact]
    public async Task Without_a_CA_in_the_kubeconfig_only_the_system_roots_are_trusted()
    {
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["localhost"], [IPAddress.Loopback]);
        var text = await File.ReadAllTextAsync(front.WriteKubeconfig(KubeconfigPath("no-ca-source"), cluster.Emulator.Token));
        var kubeconfig = KubeconfigPath("no-ca");
        await File.WriteAllLinesAsync(kubeconfig, text.Split('\n').Where(l => !l.Contains("certificate-authority-data", StringComparison.Ordinal)));
        var request = await JobAsync("tls-no-ca");
        request.Target = new ClusterTarget { Kubeconfig = kubeconfig };
        using var limit = new CancellationTokenSource(s_limit);

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(request, limit.Token));

        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Equal("", front.Received);
        Assert.Equal(0, await JobsInAsync(request));
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_turns_verification_off_as_kubectl_does()
    {
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        var request = await JobAsync("tls-insecure");
        request.Target = new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("insecure"), cluster.Emulator.Token, insecure: true) };
        using var limit = new CancellationTokenSource(s_limit);

        await cluster.Engine.Cluster.StartAsync(request, limit.Token);

        Assert.Equal(1, await JobsInAsync(request));
    }

    [Fact]
    public async Task The_emulator_with_its_own_kubeconfig_still_works()
    {
        var request = await JobAsync("tls-direct");
        request.Target = cluster.Target();
        using var limit = new CancellationTokenSource(s_limit);

        await cluster.Engine.Cluster.StartAsync(request, limit.Token);

        Assert.Equal(1, await JobsInAsync(request));
        Assert.NotNull(_connections.Get(cluster.Target()).Tls);
    }

    [Fact]
    public async Task Log_requests_are_verified_too()
    {
        // A finished run, started directly; then its log read through the fronts.
        const string image = "registry.test/e2e/tls-logs:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["hello through tls"] });
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold("tls-logs", ns, image);
        using var limit = new CancellationTokenSource(s_limit);
        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, limit.Token);
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], new WaitOptions(), limit.Token))
        {
        }

        var pod = Assert.Single((await cluster.Observer.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: limit.Token)).Items).Metadata.Name;
        await using var evil = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        var query = new PodLogRequest.Query("test-runner", Follow: false, TailLines: null, SinceSeconds: null, SinceTime: null);

        // The log stream itself (PodLogRequest makes its own HTTP request on the client's HttpClient).
        var refused = _connections.Get(new ClusterTarget { Kubeconfig = evil.WriteKubeconfig(KubeconfigPath("logs-evil"), cluster.Emulator.Token) });
        var raw = await Assert.ThrowsAsync<HttpRequestException>(() => PodLogRequest.OpenAsync(refused.Client, ns, pod, query, limit.Token));
        var translated = KubernetesErrors.Translate(raw, refused, $"read the log of pod {pod}", pod);
        Assert.IsType<AuthenticationException>(raw.InnerException);
        Assert.Equal("ClusterTlsFailure", translated.ErrorId);
        Assert.Equal("", evil.Received);

        // And Get-E2eLog's path through the engine.
        var logs = new LogRequest { Target = new ClusterTarget { Kubeconfig = refused.Identity.Kubeconfig }, JobName = run.JobName, Uid = run.Uid };
        var error = await Assert.ThrowsAsync<E2eException>(async () =>
        {
            await foreach (var line in cluster.Engine.Cluster.ReadLogsAsync(logs, limit.Token))
            {
                Assert.Fail($"unexpected line {line.Message}");
            }
        });
        Assert.Equal("ClusterTlsFailure", error.ErrorId);
        Assert.Equal("", evil.Received);

        // The same front named by tls-server-name delivers the log.
        var named = _connections.Get(new ClusterTarget { Kubeconfig = evil.WriteKubeconfig(KubeconfigPath("logs-named"), cluster.Emulator.Token, tlsServerName: "evil.example") });
        await using var stream = await PodLogRequest.OpenAsync(named.Client, ns, pod, query, limit.Token);
        using var reader = new StreamReader(stream);
        Assert.Contains("hello through tls", await reader.ReadToEndAsync(limit.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_websockets_are_verified_too()
    {
        // exec opens a WebSocket of its own, outside the HTTP handler; the emulator serves no exec, so
        // what counts is whether the upgrade request (with the token) got through the front.
        await using var front = TlsFront.Start(cluster.Emulator.ServerUri, cluster.Emulator.CaCertificate!, ["evil.example"]);
        using var limit = new CancellationTokenSource(s_limit);
        var refused = _connections.Get(new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("exec-evil"), cluster.Emulator.Token) });
        var accepted = _connections.Get(new ClusterTarget { Kubeconfig = front.WriteKubeconfig(KubeconfigPath("exec-named"), cluster.Emulator.Token, tlsServerName: "evil.example") });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => refused.Client.NamespacedPodExecAsync("p", "default", "c", ["true"], false, (_, _, _) => Task.CompletedTask, limit.Token));

        Assert.NotNull(Find<AuthenticationException>(error));
        Assert.Equal("", front.Received);

        var reached = await Assert.ThrowsAnyAsync<Exception>(() => accepted.Client.NamespacedPodExecAsync("p", "default", "c", ["true"], false, (_, _, _) => Task.CompletedTask, limit.Token));

        Assert.Null(Find<AuthenticationException>(reached));
        Assert.Contains("Bearer " + cluster.Emulator.Token, front.Received, StringComparison.OrdinalIgnoreCase);
    }

    private static T? Find<T>(Exception? error) where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T match)
            {
                return match;
            }
        }

        return null;
    }
}
