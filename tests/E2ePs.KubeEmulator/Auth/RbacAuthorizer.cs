using System.Text.Json;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Auth;

/// <summary>What a request wants to do, in RBAC terms.</summary>
internal sealed record AccessRequest(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name);

/// <summary>
/// RBAC as the real authorizer evaluates it: RoleBindings in the namespace (to Roles or ClusterRoles) and
/// ClusterRoleBindings; subjects by User, Group or ServiceAccount; rules by apiGroups, resources (with
/// "resource/subresource"), verbs and resourceNames, "*" as wildcard.
/// </summary>
internal sealed class RbacAuthorizer(ObjectStore store)
{
    private static readonly ResourceType Roles = ResourceCatalog.Get("rbac.authorization.k8s.io", "roles");
    private static readonly ResourceType RoleBindings = ResourceCatalog.Get("rbac.authorization.k8s.io", "rolebindings");
    private static readonly ResourceType ClusterRoles = ResourceCatalog.Get("rbac.authorization.k8s.io", "clusterroles");
    private static readonly ResourceType ClusterRoleBindings = ResourceCatalog.Get("rbac.authorization.k8s.io", "clusterrolebindings");

    public bool Allows(UserInfo user, AccessRequest request)
    {
        if (user.IsAdmin)
        {
            return true;
        }

        // Every authenticated user may review its own access (system:basic-user).
        if (request.Group == "authorization.k8s.io" && request.Resource is "selfsubjectaccessreviews" or "selfsubjectrulesreviews")
        {
            return true;
        }

        foreach (var binding in store.List(ClusterRoleBindings, null).Items)
        {
            if (BindsUser(binding, user, null) && RoleAllows(binding, null, request))
            {
                return true;
            }
        }

        if (request.Namespace is not null)
        {
            foreach (var binding in store.List(RoleBindings, request.Namespace).Items)
            {
                if (BindsUser(binding, user, request.Namespace) && RoleAllows(binding, request.Namespace, request))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool BindsUser(StoredObject binding, UserInfo user, string? bindingNamespace)
    {
        if (!binding.Root.TryGetProperty("subjects", out var subjects) || subjects.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var s in subjects.EnumerateArray())
        {
            var kind = s.TryGetProperty("kind", out var k) ? k.GetString() : null;
            var name = s.TryGetProperty("name", out var n) ? n.GetString() : null;
            var matched = kind switch
            {
                "User" => name == user.Name,
                "Group" => user.Groups.Contains(name),
                "ServiceAccount" => user.Name == $"system:serviceaccount:{(s.TryGetProperty("namespace", out var ns) ? ns.GetString() : bindingNamespace)}:{name}",
                _ => false,
            };
            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    private bool RoleAllows(StoredObject binding, string? ns, AccessRequest request)
    {
        var roleRef = binding.Root.GetProperty("roleRef");
        var kind = roleRef.GetProperty("kind").GetString();
        var name = roleRef.GetProperty("name").GetString() ?? "";
        var role = kind == "ClusterRole" ? store.Get(ClusterRoles, null, name) : ns is null ? null : store.Get(Roles, ns, name);
        if (role is null || !role.Root.TryGetProperty("rules", out var rules) || rules.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var resource = request.Subresource is null ? request.Resource : request.Resource + "/" + request.Subresource;
        foreach (var rule in rules.EnumerateArray())
        {
            if (Has(rule, "apiGroups", request.Group) && Has(rule, "resources", resource) && Has(rule, "verbs", request.Verb) &&
                (!rule.TryGetProperty("resourceNames", out var names) || names.GetArrayLength() == 0 || (request.Name is not null && Has(rule, "resourceNames", request.Name))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Has(JsonElement rule, string field, string value) =>
        rule.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array &&
        list.EnumerateArray().Any(v => v.GetString() is { } s && (s == "*" || s == value || (field == "resources" && s.EndsWith("/*", StringComparison.Ordinal) && value.StartsWith(s[..^1], StringComparison.Ordinal))));
}
