using System.Net.Http.Headers;
using E2ePs.KubeEmulator.Kubelet;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>Where an image is pulled from: the registry host, repository and tag or digest after registries.conf rewriting.</summary>
internal sealed record ImageLocation(string Host, string Repository, string Reference, bool PlainHttp)
{
    public Uri ManifestUri => new($"{(PlainHttp ? "http" : "https")}://{Host}/v2/{Repository}/manifests/{Reference}");
}

/// <summary>
/// Decides which images the real runtime serves and where they come from: images on --registry, and images whose
/// fully-qualified name starts with a [[registry]] prefix of registries.conf that has a location, rewritten the way
/// containers/image does (the longest prefix wins; the location replaces the prefix; containers-registries.conf(5)).
/// </summary>
internal sealed class ImageSource : IDisposable
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly string? _registryHost;
    private readonly IReadOnlyList<RegistryRule> _rules;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public ImageSource(string? registryHost, string? registriesConf)
    {
        _registryHost = registryHost;
        _rules = registriesConf is null ? [] : RegistriesConf.Parse(File.ReadAllText(registriesConf));
        foreach (var t in ManifestTypes)
        {
            _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue(t));
        }
    }

    /// <summary>"busybox" -> "docker.io/library/busybox:latest", the name containers/image resolves a short name to.</summary>
    public static string FullyQualified(string image)
    {
        var (host, repository, reference) = ImageChecker.ParseReference(image);
        host ??= "docker.io";
        if (host == "docker.io" && !repository.Contains('/', StringComparison.Ordinal))
        {
            repository = "library/" + repository;
        }

        return host + "/" + repository + (reference.Contains(':', StringComparison.Ordinal) ? "@" : ":") + reference;
    }

    /// <summary>The location the image is pulled from, or null when neither --registry nor registries.conf serve it.</summary>
    public ImageLocation? Locate(string image)
    {
        var full = FullyQualified(image);
        var rule = _rules.Where(r => r.Location is not null && Matches(full, r.Prefix)).MaxBy(r => r.Prefix.Length);
        var rewritten = rule is null ? full : rule.Location + full[rule.Prefix.Length..];
        var (host, repository, reference) = ImageChecker.ParseReference(rewritten);
        if (host is null)
        {
            return null;
        }

        var onRegistry = _registryHost is not null && string.Equals(host, _registryHost, StringComparison.OrdinalIgnoreCase);
        if (rule is null && !onRegistry)
        {
            return null;
        }

        return new ImageLocation(host, repository, reference, onRegistry || rule?.Insecure == true);
    }

    private static bool Matches(string full, string prefix) =>
        full.StartsWith(prefix, StringComparison.Ordinal) && (full.Length == prefix.Length || full[prefix.Length] is '/' or ':' or '@');

    /// <summary>The manifest digest the registry serves (HEAD .../manifests/&lt;ref&gt;, Docker-Content-Digest), or an error text.</summary>
    public async Task<(string? Digest, string? Error)> DigestAsync(ImageLocation location, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, location.ManifestUri);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{location.Host}/{location.Repository}:{location.Reference}: {(int)response.StatusCode} {(response.StatusCode == System.Net.HttpStatusCode.NotFound ? "not found" : response.ReasonPhrase)}");
            }

            return response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } digest
                ? (digest, null)
                : (null, $"{location.ManifestUri}: the registry sent no Docker-Content-Digest");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, $"{location.ManifestUri}: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One [[registry]] table of registries.conf.</summary>
internal sealed record RegistryRule(string Prefix, string? Location, bool Insecure);

/// <summary>
/// The part of containers-registries.conf(5) version 2 the runtime needs: [[registry]] tables with prefix, location
/// and insecure (a table without prefix uses its location as prefix). [[registry.mirror]] tables and other keys are
/// left to buildah, which reads the same file.
/// </summary>
internal static class RegistriesConf
{
    public static IReadOnlyList<RegistryRule> Parse(string text)
    {
        var rules = new List<RegistryRule>();
        Dictionary<string, string>? table = null;
        void Close()
        {
            if (table is null)
            {
                return;
            }

            table.TryGetValue("location", out var location);
            var prefix = table.TryGetValue("prefix", out var p) ? p : location;
            if (prefix is not null)
            {
                rules.Add(new RegistryRule(prefix, location, table.TryGetValue("insecure", out var i) && i == "true"));
            }

            table = null;
        }

        var inRegistry = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                Close();
                inRegistry = line.Replace(" ", "", StringComparison.Ordinal) == "[[registry]]";
                table = inRegistry ? new Dictionary<string, string>(StringComparer.Ordinal) : null;
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (!inRegistry || table is null || eq < 0)
            {
                continue;
            }

            var value = line[(eq + 1)..].Trim();
            var hash = value.StartsWith('"') ? value.IndexOf('"', 1) + 1 : value.IndexOf('#', StringComparison.Ordinal);
            value = (hash > 0 ? value[..hash] : value).Trim().Trim('"');
            table[line[..eq].Trim().Trim('"')] = value;
        }

        Close();
        return rules;
    }
}
