using System.Net.Http.Headers;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// What a connection does when the API server answers 401: with an exec plugin that gives tokens, the plugin
/// is run again and the request is retried once with the new token (tokens from AKS, EKS and GKE plugins
/// expire, and a server may stop accepting one before the expirationTimestamp the plugin claimed: a revoked
/// token, a skewed clock). Credentials that cannot be refreshed in place (a static token, a client certificate,
/// a plugin's certificate), or a refreshed token that is refused again, make the factory drop its cached
/// client, so the next call reads the kubeconfig and runs the plugin afresh instead of reusing what failed.
/// </summary>
/// <remarks>
/// client-go (kubernetes/kubernetes, staging/src/k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go,
/// roundTripper.RoundTrip) refreshes on a 401 and returns the 401; the caller's next request uses the new
/// token. E2ePs retries the one request itself, so a long wait does not fail on the request that found out.
/// </remarks>
public sealed class UnauthorizedRecovery(ExecCredentialPlugin? plugin, Action dropCachedClient)
{
    /// <summary>The header to retry with after a first 401, or null: no retry (the cached client has been dropped).</summary>
    public AuthenticationHeaderValue? Refresh(AuthenticationHeaderValue? rejected, CancellationToken cancellationToken)
    {
        var refreshed = plugin?.RefreshAfterUnauthorized(rejected, cancellationToken);
        if (refreshed is null)
        {
            dropCachedClient();
        }

        return refreshed;
    }

    /// <summary>The retried request was refused too: the next call starts from the kubeconfig again.</summary>
    public void RefusedAgain() => dropCachedClient();
}
