using System.Collections.Concurrent;

namespace E2ePs.KubeEmulator.Auth;

/// <summary>The caller behind a bearer token. The admin may do anything; other users are checked against RBAC.</summary>
internal sealed record UserInfo(string Name, IReadOnlyList<string> Groups, bool IsAdmin);

/// <summary>
/// Bearer tokens: the admin token and tokens added at run time, each with an optional expiry. A token past
/// its expiry is unknown, so the request is 401, as the API server's token authenticators answer an
/// expired bound service-account token or an OIDC token past its exp claim (kubernetes/kubernetes,
/// pkg/serviceaccount/claims.go "service account token has expired"; staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/oidc).
/// Members of system:masters are admins, as that group is the superuser group of a real cluster
/// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: cluster-admin is bound to system:masters).
/// </summary>
internal sealed class TokenRegistry(string adminToken)
{
    private const string Masters = "system:masters";

    private readonly ConcurrentDictionary<string, (UserInfo User, DateTimeOffset? Expires)> _users = new(StringComparer.Ordinal)
    {
        [adminToken] = (new UserInfo("kubernetes-admin", [Masters, "system:authenticated"], true), null),
    };

    public string AdminToken { get; } = adminToken;

    public void Add(string token, string userName, IEnumerable<string>? groups, TimeSpan? lifetime = null)
    {
        var all = new List<string>(groups ?? []) { "system:authenticated" };
        _users[token] = (new UserInfo(userName, all, all.Contains(Masters, StringComparer.Ordinal)), lifetime is { } l ? DateTimeOffset.UtcNow + l : null);
    }

    /// <summary>Makes a token expire now (a revoked token, or a server clock ahead of the client's); false when unknown.</summary>
    public bool Expire(string token)
    {
        while (_users.TryGetValue(token, out var entry))
        {
            if (_users.TryUpdate(token, (entry.User, DateTimeOffset.UtcNow), entry))
            {
                return true;
            }
        }

        return false;
    }

    public UserInfo? Authenticate(string? authorizationHeader)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return _users.TryGetValue(authorizationHeader[7..].Trim(), out var entry) && (entry.Expires is null || entry.Expires > DateTimeOffset.UtcNow)
            ? entry.User
            : null;
    }
}
