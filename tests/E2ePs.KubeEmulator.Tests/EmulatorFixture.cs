using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;
using E2ePs.TestSupport;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>One emulator shared by the tests of the "emulator" collection (they run one after the other).</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private int _namespaceCounter;

    public EmulatorServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await StartAsync(new EmulatorOptions { TimeStep = TimeSpan.FromMilliseconds(10), SleepScale = 0.2, BookmarkInterval = TimeSpan.FromMilliseconds(500), PodStatusLag = TimeSpan.FromMilliseconds(100) });
        Client = CreateClient(Server);
        Http = CreateHttp(Server, Server.Token);
    }

    public static Task<EmulatorServer> StartAsync(EmulatorOptions options) => EmulatorServer.StartAsync(options);

    public static Kubernetes CreateClient(EmulatorServer server) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));

    /// <summary>A raw HTTP client trusting the emulator's CA, for asserting on wire-level answers.</summary>
    public static HttpClient CreateHttp(EmulatorServer server, string? token)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && server.CaCertificate is not null && cert.Issuer == server.CaCertificate.Subject,
        };
        var http = new HttpClient(handler) { BaseAddress = server.ServerUri, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaceCounter)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(params string[] args) => RunKubectlAsync(Server, args);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunKubectlAsync(EmulatorServer server, params string[] args)
    {
        RequiredTools.Ensure("kubectl");
        var psi = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = server.KubeconfigPath;
        psi.Environment["HOME"] = Path.GetDirectoryName(server.KubeconfigPath)!;
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Http?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

[CollectionDefinition("emulator")]
public sealed class EmulatorCollectionDefinition : ICollectionFixture<EmulatorFixture>
{
}

/// <summary>Polling helpers for eventually-true conditions.</summary>
public static class Eventually
{
    /// <summary>
    /// Polls until <paramref name="done"/>. The bound only catches a condition that never comes: a passing
    /// test returns as soon as it holds, so the bound is wide (60 s) for a 2-core machine shared by several
    /// test runs (load averages above 60 were seen while the suite ran), where a process can wait seconds for the CPU.
    /// </summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, double seconds = 60, int pollMs = 25)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last = default!;
        while (DateTime.UtcNow < deadline)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(pollMs);
        }

        throw new TimeoutException($"timed out waiting for {what}");
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
