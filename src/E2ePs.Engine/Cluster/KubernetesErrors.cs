using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using E2ePs.Contracts;
using k8s.Autorest;
using k8s.Models;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Turns what the client throws into an <see cref="E2eException"/> that says which context and server
/// failed, what was being done, and how: connection refused, TLS, 401, 403 with the denied verb and
/// resource, not found, conflict, invalid, expired, and what is left of 429 and 5xx after
/// <see cref="RetryPolicy"/>. The message of an HTTP answer is the API server's own, read from its Status
/// body. Pure (no request, no clock), so it is tested with tables of recorded Status bodies
/// (tests/E2ePs.Engine.Tests/Errors).
/// </summary>
public static class KubernetesErrors
{
    /// <summary>Whether <paramref name="error"/> is an API answer with <paramref name="status"/>.</summary>
    public static bool Is(Exception error, HttpStatusCode status) =>
        error is HttpOperationException { Response: { } response } && response.StatusCode == status;

    /// <summary>Translates <paramref name="error"/>; <paramref name="action"/> says what was being done, e.g. "create Job test-x-e2e in namespace ns".</summary>
    public static E2eException Translate(Exception error, ClusterConnection connection, string action, object? target)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Translate(error, connection.Identity, connection.Tls?.ExpectedName, connection.Tls?.LastFailure, action, target);
    }

    /// <summary>
    /// The translation itself, pure: what failed (<paramref name="error"/>, with the API server's Status body
    /// for an HTTP answer), on which cluster (<paramref name="identity"/>), and, for a refused certificate,
    /// the name it was checked for and why <see cref="TlsVerifier"/> refused it.
    /// </summary>
    public static E2eException Translate(Exception error, ClusterIdentity identity, string? tlsExpectedName, string? tlsFailure, string action, object? target)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(identity);
        var where = $"context '{identity.Context}' ({identity.Server})";
        switch (error)
        {
            case E2eException already:
                return already;
            case HttpOperationException { Response: { } response } api:
                return FromStatus(api, response.StatusCode, StatusMessage(response.Content), where, action, target);
            case HttpRequestException http when Find<SocketException>(http) is { } socket:
                return new E2eException("ClusterUnreachable", E2eErrorCategory.ConnectionError, target,
                    $"Cannot {action}: the API server of {where} did not answer ({socket.SocketErrorCode}: {socket.Message}).", error)
                {
                    RecommendedAction = "Check that the cluster is running and reachable from here ('kubectl cluster-info'), and that the context's server URL is right.",
                };
            case HttpRequestException or IOException or System.Net.WebSockets.WebSocketException when Find<AuthenticationException>(error) is { } tls:
                return TlsFailure(error, tls, identity, tlsExpectedName, tlsFailure, where, action);
            case HttpRequestException or IOException:
                return new E2eException("ClusterConnectionFailed", E2eErrorCategory.ConnectionError, target,
                    $"Cannot {action}: the connection to {where} failed: {error.Message}", error)
                {
                    RecommendedAction = "Try again; if it persists, check the network path to the API server.",
                };
            default:
                return new E2eException("ClusterRequestFailed", E2eErrorCategory.NotSpecified, target,
                    $"Cannot {action} on {where}: {error.Message}", error);
        }
    }

    /// <summary>
    /// A refused server certificate. The target is the server, since the job or pod at hand is not what
    /// is wrong; the message says why the certificate was refused, from <see cref="TlsVerifier"/>, and
    /// that no credential was sent (the handshake fails before the request).
    /// </summary>
    private static E2eException TlsFailure(Exception error, AuthenticationException tls, ClusterIdentity identity, string? expectedName, string? failure, string where, string action)
    {
        var why = failure ?? tls.Message;
        var serverName = expectedName is not null && !string.Equals(expectedName, new Uri(identity.Server).IdnHost, StringComparison.OrdinalIgnoreCase)
            ? $" (tls-server-name '{expectedName}')"
            : "";
        return new E2eException("ClusterTlsFailure", E2eErrorCategory.SecurityError, identity.Server,
            $"Cannot {action}: the API server of {where}{serverName} failed TLS verification: {why}. Nothing was sent to it.", error)
        {
            RecommendedAction = "Check that the context's server URL is right and that its certificate-authority is the cluster's CA ('kubectl cluster-info' verifies the same way); if the certificate is issued for another name of the same server, set tls-server-name in the kubeconfig's cluster; only for a throw-away cluster set insecure-skip-tls-verify.",
        };
    }

    private static E2eException FromStatus(Exception error, HttpStatusCode code, string? message, string where, string action, object? target)
    {
        var detail = string.IsNullOrEmpty(message) ? $"HTTP {(int)code}" : message;
        return code switch
        {
            HttpStatusCode.Unauthorized => new E2eException("ClusterUnauthorized", E2eErrorCategory.AuthenticationError, target,
                $"Cannot {action}: {where} rejected the credentials (401 Unauthorized).", error)
            {
                RecommendedAction = "Refresh the context's token or certificate (log in again), or pick another -Context.",
            },
            HttpStatusCode.Forbidden => new E2eException("ClusterForbidden", E2eErrorCategory.PermissionDenied, target,
                $"Cannot {action}: {where} denied it: {detail}", error)
            {
                RecommendedAction = "Ask a cluster administrator for the permission named above, or use a context that has it ('kubectl auth can-i').",
            },
            HttpStatusCode.NotFound => new E2eException("ClusterObjectNotFound", E2eErrorCategory.ObjectNotFound, target,
                $"Cannot {action} on {where}: {detail}", error),
            HttpStatusCode.Conflict => new E2eException("ClusterConflict", E2eErrorCategory.ResourceExists, target,
                $"Cannot {action} on {where}: {detail}", error),
            HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => new E2eException("ClusterRejected", E2eErrorCategory.InvalidData, target,
                $"Cannot {action}: {where} rejected it: {detail}", error)
            {
                RecommendedAction = "Fix the manifest field named above, or scaffold the job again with New-E2eJob -Force.",
            },
            // A 410 reaches here only from a request that cannot list again by itself (a watch loop does):
            // it is neither a server failure nor retried, so it must not say "after retries".
            HttpStatusCode.Gone => new E2eException("ClusterResourceExpired", E2eErrorCategory.ResourceUnavailable, target,
                $"Cannot {action} on {where}: the version asked for has expired (410 Gone): {detail}", error)
            {
                RecommendedAction = "Run the command again: it starts from the cluster's current state.",
            },
            // Other 4xx answers (405, 406, 413, 415, ...) are final, never retried: the request itself is wrong.
            _ when !RetryPolicy.IsRetryable(code) => new E2eException("ClusterRequestFailed", E2eErrorCategory.InvalidOperation, target,
                $"Cannot {action}: {where} refused the request ({(int)code} {code}): {detail}", error),
            _ => new E2eException("ClusterServerError", E2eErrorCategory.ResourceUnavailable, target,
                $"Cannot {action}: {where} answered {(int)code} {code} after retries: {detail}", error)
            {
                RecommendedAction = "The API server is overloaded or failing; try again later.",
            },
        };
    }

    private static string? StatusMessage(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        try
        {
            return k8s.KubernetesJson.Deserialize<V1Status>(content)?.Message ?? content;
        }
        catch (System.Text.Json.JsonException)
        {
            return content.Length > 300 ? content[..300] : content;
        }
    }

    private static T? Find<T>(Exception error) where T : Exception
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
