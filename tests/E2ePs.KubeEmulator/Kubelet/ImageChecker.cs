using System.Net.Http.Headers;

namespace E2ePs.KubeEmulator.Kubelet;

/// <summary>
/// Decides whether an image can be pulled: images on the configured registry are looked up there
/// (HEAD /v2/&lt;name&gt;/manifests/&lt;reference&gt;), images on other hosts are taken as present.
/// </summary>
internal sealed class ImageChecker : IDisposable
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string? _registryHost;

    public ImageChecker(string? registryHost)
    {
        _registryHost = registryHost;
        foreach (var t in ManifestTypes)
        {
            _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue(t));
        }
    }

    /// <summary>Splits "host:port/repo/name:tag" into host (or null for Docker Hub), repository and reference.</summary>
    public static (string? Host, string Repository, string Reference) ParseReference(string image)
    {
        var rest = image;
        string? host = null;
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = image[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                host = first;
                rest = image[(slash + 1)..];
            }
        }

        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return (host, rest[..at], rest[(at + 1)..]);
        }

        var colon = rest.LastIndexOf(':');
        return colon > rest.LastIndexOf('/') ? (host, rest[..colon], rest[(colon + 1)..]) : (host, rest, "latest");
    }

    /// <summary>True when pullable; a registry that cannot be reached counts as "not found" (the pull would fail too).</summary>
    public async Task<bool> ExistsAsync(string image)
    {
        var (host, repository, reference) = ParseReference(image);
        if (_registryHost is null || !string.Equals(host, _registryHost, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, new Uri($"http://{host}/v2/{repository}/manifests/{reference}"));
            using var response = await _http.SendAsync(request).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}
