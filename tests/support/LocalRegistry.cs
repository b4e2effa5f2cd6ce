using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace E2ePs.TestSupport;

/// <summary>
/// A private instance of Debian's docker-registry on 127.0.0.1 and a free port, with its storage in a
/// temporary folder that is deleted on dispose. Speaks plain HTTP: engines need --tls-verify=false.
/// </summary>
public sealed class LocalRegistry : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private LocalRegistry(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The port the registry listens on.</summary>
    public int Port { get; }

    /// <summary>host:port, the prefix of image references in this registry.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>An HTTP client for the registry's API.</summary>
    public HttpClient Client { get; }

    /// <summary>Path of the docker-registry binary: DOCKER_REGISTRY_BIN, else /usr/bin/docker-registry, else registry on PATH.</summary>
    public static string? FindBinary() =>
        new[] { Environment.GetEnvironmentVariable("DOCKER_REGISTRY_BIN"), "/usr/bin/docker-registry", Tools.Find("docker-registry"), Tools.Find("registry") }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    /// <summary>Starts a registry and waits until it answers GET /v2/.</summary>
    public static async Task<LocalRegistry> StartAsync(CancellationToken cancellationToken = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException("docker-registry is not installed (apt-get install docker-registry).");
        var folder = Directory.CreateTempSubdirectory("test-registry-").FullName;
        var port = FreePort();
        var config = Path.Combine(folder, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(folder, "data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """, cancellationToken);
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start.");
        // Drain its log so a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new LocalRegistry(process, folder, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await registry.Client.GetAsync("v2/", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return registry;
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(15) && !process.HasExited)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(15) || process.HasExited)
            {
                registry.Dispose();
                throw new InvalidOperationException($"docker-registry did not answer on {registry.Address}.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The tags of a repository; empty when the repository does not exist.</summary>
    public async Task<IReadOnlyList<string>> GetTagsAsync(string repository)
    {
        using var response = await Client.GetAsync($"v2/{repository}/tags/list");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == System.Text.Json.JsonValueKind.Array
            ? tags.EnumerateArray().Select(t => t.GetString() ?? "").ToList()
            : [];
    }

    /// <summary>The Docker-Content-Digest the registry serves for a tag or digest; null when it has no such manifest.</summary>
    public async Task<string?> GetManifestDigestAsync(string repository, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/manifests/{reference}");
        foreach (var type in new[]
        {
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        })
        {
            request.Headers.Accept.ParseAdd(type);
        }

        using var response = await Client.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
    }

    /// <summary>A port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        Tools.DeleteFolder(_folder);
    }
}
