using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using E2ePs.KubeEmulator.Admin;
using E2ePs.KubeEmulator.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace E2ePs.KubeEmulator;

/// <summary>
/// An emulated Kubernetes cluster on 127.0.0.1: the REST API (HTTPS, bearer token) plus simulated job controller,
/// scheduler and kubelet. Start one with <see cref="StartAsync"/>, point clients at <see cref="KubeconfigPath"/>,
/// and dispose it to stop.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Cluster _cluster;
    private int _disposed;

    private readonly string _defaultNamespace;
    private readonly string? _serverName;

    private EmulatorServer(WebApplication app, Cluster cluster, Uri serverUri, string kubeconfigPath, string token, X509Certificate2? ca, EmulatorOptions options)
    {
        _defaultNamespace = options.DefaultNamespace;
        _serverName = options.UseHttp ? null : options.ServerName;
        _app = app;
        _cluster = cluster;
        ServerUri = serverUri;
        KubeconfigPath = kubeconfigPath;
        Token = token;
        CaCertificate = ca;
    }

    /// <summary>Base address of the API server, e.g. https://127.0.0.1:41234/.</summary>
    public Uri ServerUri { get; }

    /// <summary>The kubeconfig written for clients (cluster, user and context "emulator").</summary>
    public string KubeconfigPath { get; }

    /// <summary>The admin bearer token (full access, and the only token accepted by /_emulator/).</summary>
    public string Token { get; }

    /// <summary>The CA that signed the server certificate; null with <see cref="EmulatorOptions.UseHttp"/>.</summary>
    public X509Certificate2? CaCertificate { get; }

    /// <summary>Starts a cluster and returns once it accepts requests.</summary>
    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var cluster = new Cluster(options, token);
        var (ca, serverCert) = options.UseHttp ? (null, null) : Certificates.Create(options.ServerName);
        var api = new ApiServer(cluster);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 10_000;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = options.UseHttp ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                listen.Use(next => async connection =>
                {
                    cluster.Stats.ConnectionOpened();
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        cluster.Stats.ConnectionClosed();
                    }
                });
                if (serverCert is not null)
                {
                    listen.UseHttps(serverCert);
                }
            });
        });
        var app = builder.Build();
        app.Run(api.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            cluster.Dispose();
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var serverUri = new Uri($"{(options.UseHttp ? "http" : "https")}://127.0.0.1:{port}/");
        api.ServerAddress = $"127.0.0.1:{port}";
        var kubeconfig = Path.GetFullPath(options.KubeconfigPath ?? Path.Combine(Directory.CreateTempSubdirectory("kube-emulator-").FullName, "kubeconfig"));
        KubeconfigWriter.Write(kubeconfig, serverUri, KubeconfigWriter.TokenUser(token), ca, options.DefaultNamespace, options.UseHttp ? null : options.ServerName);
        return new EmulatorServer(app, cluster, serverUri, kubeconfig, token, ca, options);
    }

    /// <summary>Adds a container scenario (matched after the ones already present).</summary>
    public void AddScenario(ContainerScenario scenario) => _cluster.Scenarios.Add([scenario]);

    /// <summary>Removes all scenarios: containers fall back to the command interpreter.</summary>
    public void ClearScenarios() => _cluster.Scenarios.Clear();

    /// <summary>The faults in force now (counters show what is left).</summary>
    public FaultSettings Faults => _cluster.Faults.Current;

    /// <summary>Replaces the faults in force.</summary>
    public void SetFaults(FaultSettings faults) => _cluster.Faults.Set(faults ?? new FaultSettings());

    /// <summary>Switches all faults off.</summary>
    public void ClearFaults() => _cluster.Faults.Clear();

    /// <summary>Replaces the nodes; Pending pods are scheduled again.</summary>
    public void SetNodes(IEnumerable<NodeSpec> nodes) => _cluster.Scheduler.SetNodes(nodes);

    /// <summary>
    /// Adds a user; RBAC (Roles, RoleBindings, ClusterRoles, ClusterRoleBindings) decides its access, except for
    /// members of system:masters, who may do anything. With <paramref name="lifetime"/> the token expires (401
    /// after it), as the tokens of exec credential plugins do. Returns the bearer token.
    /// </summary>
    public string AddToken(string userName, IEnumerable<string>? groups = null, string? token = null, TimeSpan? lifetime = null)
    {
        token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _cluster.Tokens.Add(token, userName, groups, lifetime);
        return token;
    }

    /// <summary>The node's kubelet stops posting: NotReady and the unreachable taints after NodeMonitorGracePeriod, then taint-based eviction.</summary>
    public void LoseNode(string name) => _cluster.NodeLifecycle.Lose(name);

    /// <summary>The node's kubelet posts again: Ready, its taints removed, and the deletions it missed carried out.</summary>
    public void RecoverNode(string name) => _cluster.NodeLifecycle.Recover(name);

    /// <summary>Makes a token expire now: the server refuses it (401) before the expiry its client was told. False when the token is unknown.</summary>
    public bool ExpireToken(string token) => _cluster.Tokens.Expire(token);

    /// <summary>
    /// Writes a kubeconfig for this server whose user runs the exec credential plugin <paramref name="command"/>
    /// (client.authentication.k8s.io/v1) instead of carrying a token; cluster, user and context "emulator".
    /// </summary>
    public void WriteExecKubeconfig(string path, string command, IEnumerable<string>? args = null) =>
        KubeconfigWriter.Write(path, ServerUri, KubeconfigWriter.ExecUser(command, args ?? []), CaCertificate, _defaultNamespace, _serverName);

    /// <summary>Request counters, open and peak watches and connections, bytes served.</summary>
    public EmulatorStats GetStats() => _cluster.Stats.Snapshot();

    /// <summary>Takes an etcd snapshot for a later <see cref="RestartMode.Rewind"/>; returns its resourceVersion.</summary>
    public long TakeSnapshot() => _cluster.Store.Snapshot();

    /// <summary>Restarts the API server (every watch and connection dropped); returns the resourceVersion it came back at.</summary>
    public long Restart(RestartMode mode) => _cluster.Restart(mode);

    /// <summary>The current resourceVersion (etcd's revision).</summary>
    public long ResourceVersion => _cluster.Store.CurrentResourceVersion;

    /// <summary>Zeroes the counters.</summary>
    public void ResetStats() => _cluster.Stats.Reset();

    /// <summary>Stops the server and the simulation.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Open watches are cut at the deadline.
        }

        await _app.DisposeAsync();
        _cluster.Dispose();
    }
}
