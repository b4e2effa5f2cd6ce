using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Images;

/// <summary>
/// Reads which manifest a tag names through the registry's HTTP API (distribution spec
/// "GET /v2/&lt;name&gt;/manifests/&lt;reference&gt;"), with anonymous or Bearer token auth and the
/// credentials of the engines' auth files (podman's auth.json, docker's config.json; credential
/// helpers are not run). Used to tell whether an image built but not pushed is the registry's already.
/// </summary>
public sealed class RegistryClient(IProcessEnvironment environment)
{
    private readonly RegistryCredentials _credentials = new(environment);

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    // The manifest types a registry may serve for a tag, single images first (as the engines ask).
    private static readonly string[] s_accept =
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ];

    /// <summary>What the registry serves for <paramref name="reference"/>; the failure, if any, in Problem.</summary>
    public async Task<RegistryImage> InspectAsync(string reference, bool skipTlsVerify, CancellationToken cancellationToken)
    {
        var (host, path, tag) = Split(reference);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        using var handler = new HttpClientHandler();
        if (skipTlsVerify)
        {
            handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
        }

        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var apiHost = host == "docker.io" ? "registry-1.docker.io" : host;
        try
        {
            HttpResponseMessage response;
            try
            {
                response = await GetAsync(client, $"https://{apiHost}/v2/{path}/manifests/{tag}", host, path, timeout.Token);
            }
            catch (HttpRequestException) when (skipTlsVerify)
            {
                // As the engines do with tls-verify=false: a registry without TLS is asked over plain HTTP.
                response = await GetAsync(client, $"http://{apiHost}/v2/{path}/manifests/{tag}", host, path, timeout.Token);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    return new RegistryImage
                    {
                        Reference = reference,
                        Problem = response.StatusCode == HttpStatusCode.NotFound
                            ? $"the registry {host} has no '{path}:{tag}'"
                            : $"the registry {host} answered {(int)response.StatusCode} {response.ReasonPhrase}",
                    };
                }

                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
                digest ??= "sha256:" + Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant();
                string? config = null;
                using (var document = JsonDocument.Parse(body))
                {
                    if (document.RootElement.TryGetProperty("config", out var element) && element.TryGetProperty("digest", out var configDigest))
                    {
                        config = configDigest.GetString();
                    }
                }

                return new RegistryImage { Reference = reference, ManifestDigest = digest, ConfigDigest = config };
            }
        }
        catch (Exception error) when (error is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var why = error is OperationCanceledException ? $"no answer within {s_timeout.TotalSeconds:0} s" : error.Message;
            return new RegistryImage { Reference = reference, Problem = $"the registry {host} could not be asked: {why}" };
        }
    }

    private async Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string host, string path, CancellationToken cancellationToken)
    {
        var response = await client.SendAsync(Request(url, null), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // The registry's challenge (distribution spec, token auth): Bearer with a realm to get a token, or Basic.
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        var credentials = _credentials.Find(host);
        AuthenticationHeaderValue? authorization = null;
        if (challenge?.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) == true)
        {
            var parameters = Parameters(challenge.Parameter ?? "");
            if (parameters.TryGetValue("realm", out var realm))
            {
                var query = new List<string>();
                if (parameters.TryGetValue("service", out var service))
                {
                    query.Add("service=" + Uri.EscapeDataString(service));
                }

                query.Add("scope=" + Uri.EscapeDataString(parameters.TryGetValue("scope", out var scope) ? scope : $"repository:{path}:pull"));
                using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query));
                if (credentials is not null)
                {
                    tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
                }

                using var tokenResponse = await client.SendAsync(tokenRequest, cancellationToken);
                if (!tokenResponse.IsSuccessStatusCode)
                {
                    return response;
                }

                using var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken));
                var value = token.RootElement.TryGetProperty("token", out var t) ? t.GetString()
                    : token.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
                if (value is not null)
                {
                    authorization = new AuthenticationHeaderValue("Bearer", value);
                }
            }
        }
        else if (challenge?.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) == true && credentials is not null)
        {
            authorization = new AuthenticationHeaderValue("Basic", credentials);
        }

        if (authorization is null)
        {
            return response;
        }

        response.Dispose();
        return await client.SendAsync(Request(url, authorization), cancellationToken);
    }

    private static HttpRequestMessage Request(string url, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var type in s_accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        request.Headers.Authorization = authorization;
        return request;
    }

    /// <summary>Registry host, repository path and tag of a reference, as the engines read it (docker.io/library for a bare name).</summary>
    public static (string Host, string Path, string Tag) Split(string reference)
    {
        var repository = ImageReference.Repository(reference);
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var withoutDigest = at >= 0 ? reference[..at] : reference;
        var tag = withoutDigest.Length > repository.Length ? withoutDigest[(repository.Length + 1)..] : "latest";
        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        var first = slash >= 0 ? repository[..slash] : "";
        if (slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            return (first, repository[(slash + 1)..], tag);
        }

        return ("docker.io", slash >= 0 ? repository : "library/" + repository, tag);
    }

    // key="value" pairs of a WWW-Authenticate challenge.
    private static Dictionary<string, string> Parameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var key = text[i..equals].Trim(' ', ',');
            var value = new StringBuilder();
            i = equals + 1;
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    value.Append(text[i] == '\\' && i + 1 < text.Length ? text[++i] : text[i]);
                    i++;
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }

            result[key] = value.ToString();
            i++;
        }

        return result;
    }
}
