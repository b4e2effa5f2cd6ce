using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace E2ePs.Bench.Infrastructure;

/// <summary>
/// The Kubernetes API emulator as a separate process, so that its CPU and memory never count against
/// the measured process. The harness talks to it over one HTTP/2 connection (admin endpoint and API),
/// which is the baseline subtracted from the emulator's connection counters.
/// </summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private EmulatorProcess(Process process, string kubeconfig, Uri server, string token, HttpClient http)
    {
        _process = process;
        KubeconfigPath = kubeconfig;
        Server = server;
        Token = token;
        _http = http;
    }

    /// <summary>The kubeconfig every client uses (context "emulator").</summary>
    public string KubeconfigPath { get; }

    /// <summary>Base address of the API server.</summary>
    public Uri Server { get; }

    /// <summary>The admin bearer token.</summary>
    public string Token { get; }

    /// <summary>The emulator's process id, to tell its CPU apart.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts the emulator dll with <paramref name="arguments"/> and returns once it says "ready".</summary>
    public static async Task<EmulatorProcess> StartAsync(string emulatorDll, string kubeconfig, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(emulatorDll);
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the emulator.");
        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                var error = await process.StandardError.ReadToEndAsync(cancellationToken);
                throw new InvalidOperationException($"The emulator exited before it was ready: {error}");
            }

            if (line == "ready")
            {
                break;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                facts[line[..colon]] = line[(colon + 2)..];
            }
        }

        // Keep reading its output so that the pipe never fills and blocks it.
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var server = new Uri(facts["server"].TrimEnd('/') + "/");
        var http = CreateClient(server, facts["token"], ReadCertificateAuthority(facts["kubeconfig"]));
        return new EmulatorProcess(process, facts["kubeconfig"], server, facts["token"], http);
    }

    private static HttpClient CreateClient(Uri server, string token, X509Certificate2? ca)
    {
        var handler = new SocketsHttpHandler
        {
            // One connection for everything the harness sends: HTTP/2 multiplexes, and the count
            // of open connections at a stats reset is then exactly the harness's own.
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = TimeSpan.FromHours(1),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        if (ca is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var presented = new X509Certificate2(certificate);
                return chain.Build(presented);
            };
        }

        var http = new HttpClient(handler)
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromMinutes(5),
            DefaultRequestVersion = ca is null ? HttpVersion.Version11 : HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static X509Certificate2? ReadCertificateAuthority(string kubeconfig)
    {
        const string Key = "certificate-authority-data:";
        var line = File.ReadLines(kubeconfig).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var pem = Encoding.ASCII.GetString(Convert.FromBase64String(line[Key.Length..].Trim()));
        return X509Certificate2.CreateFromPem(pem);
    }

    /// <summary>Zeroes the request counters and returns the snapshot taken right after.</summary>
    public Task<JsonObject> ResetStatsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, "_emulator/stats/reset", null, cancellationToken);

    /// <summary>The request counters since the last reset.</summary>
    public Task<JsonObject> GetStatsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "_emulator/stats", null, cancellationToken);

    /// <summary>Connections the harness keeps open to the emulator: its one HTTP/2 connection.</summary>
    public const int HarnessConnections = 1;

    /// <summary>
    /// Resets the counters once only the harness's connection and <paramref name="measuredConnections"/> of the measured
    /// process (a warmed-up pwsh keeps its client's connection) are open, and no watch: the previous measured process may still be closing.
    /// </summary>
    public async Task ResetWhenQuietAsync(int measuredConnections, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            var stats = await GetStatsAsync(cancellationToken);
            if (Long(stats, "openConnections") <= HarnessConnections + measuredConnections && Long(stats, "openWatches") == 0)
            {
                break;
            }

            await Task.Delay(25, cancellationToken);
        }

        await ResetStatsAsync(cancellationToken);
    }

    /// <summary>What the emulator counted since the last reset.</summary>
    public async Task<EmulatorCounters> CountersAsync(CancellationToken cancellationToken) => EmulatorCounters.From(await GetStatsAsync(cancellationToken));

    /// <summary>Adds container scenarios (matched in order, first match wins).</summary>
    public Task AddScenariosAsync(JsonArray scenarios, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "_emulator/scenarios", scenarios, cancellationToken);

    /// <summary>Creates a namespace.</summary>
    public Task CreateNamespaceAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name },
        }, cancellationToken);

    /// <summary>Deletes a namespace and returns once it is gone, so its clean-up never overlaps the next measurement.</summary>
    public async Task DeleteNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        await SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{name}", null, cancellationToken, allowNotFound: true);
        for (var i = 0; i < 600; i++)
        {
            if ((await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{name}", null, cancellationToken, allowNotFound: true)).Count == 0)
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Creates one object at <paramref name="path"/> (e.g. apis/batch/v1/namespaces/ns/jobs).</summary>
    public Task CreateAsync(string path, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    /// <summary>Lists at <paramref name="path"/> and returns the items.</summary>
    public async Task<JsonArray> ListAsync(string path, CancellationToken cancellationToken)
    {
        var list = await SendAsync(HttpMethod.Get, path, null, cancellationToken);
        return list["items"] as JsonArray ?? [];
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, bool allowNotFound = false)
    {
        // A request message made by hand does not take the client's default version: set it, or it goes out as HTTP/1.1 on connections of its own.
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Version = _http.DefaultRequestVersion, VersionPolicy = _http.DefaultVersionPolicy };
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text) as JsonObject ?? [];
    }

    internal static long Long(JsonObject stats, string name) => stats[name]?.GetValue<long>() ?? 0;

    /// <summary>Stops the emulator by closing its stdin, as it expects.</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_process.HasExited)
        {
            _process.Dispose();
            return;
        }

        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

/// <summary>What the emulator counted for one measured command.</summary>
public sealed record EmulatorCounters(long Requests, long PeakConnections, long PeakWatches, long BytesServed, string ByVerbAndResource)
{
    /// <summary>Reads a stats snapshot; peak connections are net of the harness's own.</summary>
    public static EmulatorCounters From(JsonObject stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var byVerb = stats["requestsByVerbAndResource"] as JsonObject;
        var detail = byVerb is null ? "" : string.Join(", ", byVerb.Select(p => $"{p.Key} {p.Value}"));
        return new EmulatorCounters(
            EmulatorProcess.Long(stats, "totalRequests"),
            Math.Max(0, EmulatorProcess.Long(stats, "peakConcurrentConnections") - EmulatorProcess.HarnessConnections),
            EmulatorProcess.Long(stats, "peakOpenWatches"),
            EmulatorProcess.Long(stats, "bytesServed"),
            detail);
    }
}
