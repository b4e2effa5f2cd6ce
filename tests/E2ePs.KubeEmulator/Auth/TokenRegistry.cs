using System.Collections.Concurrent;

namespace E2ePs.KubeEmulator.Auth;

/// <summary>The caller behind a bearer token. The admin may do anything; other users are checked against RBAC.</summary>
internal sealed record UserInfo(string Name, IReadOnlyList<string> Groups, bool IsAdmin);

/// <summary>Bearer tokens: the admin token and restricted user tokens added at run time.</summary>
internal sealed class TokenRegistry(string adminToken)
{
    private readonly ConcurrentDictionary<string, UserInfo> _users = new(StringComparer.Ordinal)
    {
        [adminToken] = new UserInfo("kubernetes-admin", ["system:masters", "system:authenticated"], true),
    };

    public string AdminToken { get; } = adminToken;

    public void Add(string token, string userName, IEnumerable<string>? groups) =>
        _users[token] = new UserInfo(userName, [.. groups ?? [], "system:authenticated"], false);

    public UserInfo? Authenticate(string? authorizationHeader)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return _users.GetValueOrDefault(authorizationHeader[7..].Trim());
    }
}
