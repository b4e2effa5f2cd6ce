using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Auth;

/// <summary>
/// RBAC's guard against privilege escalation on Role, ClusterRole, RoleBinding and ClusterRoleBinding writes, as
/// the API server does it (kubernetes/kubernetes, pkg/registry/rbac/escalation_check.go EscalationAllowed and
/// BindingAuthorized, pkg/registry/rbac/role/policybased/storage.go, pkg/registry/rbac/rolebinding/policybased/storage.go,
/// pkg/registry/rbac/validation/rule.go ConfirmNoEscalation): a role may hold only rules its writer holds, unless the
/// writer may "escalate" roles; a binding may refer only to a role whose rules its writer holds, unless the writer
/// may "bind" that role. A binding's roleRef cannot change (pkg/apis/rbac/validation/validation.go ValidateRoleBindingUpdate).
/// </summary>
internal sealed class EscalationCheck(RbacAuthorizer authorizer, ObjectStore store)
{
    private const string Group = "rbac.authorization.k8s.io";

    /// <summary>Throws 403 when <paramref name="user"/> may not write <paramref name="body"/> of <paramref name="type"/>.</summary>
    public void Check(UserInfo user, ResourceType type, JsonObject body)
    {
        if (user.IsAdmin || type.Group != Group)
        {
            return;
        }

        var ns = type.Namespaced ? body.Obj("metadata").Str("namespace") : null;
        var name = body.Obj("metadata").Str("name") ?? "";
        JsonArray? rules;
        switch (type.Plural)
        {
            case "roles" or "clusterroles":
                if (authorizer.Allows(user, new AccessRequest("escalate", Group, type.Plural, null, ns, name)))
                {
                    return;
                }

                rules = body["rules"] as JsonArray;
                break;
            case "rolebindings" or "clusterrolebindings":
                var roleRef = body["roleRef"] as JsonObject;
                var roleKind = roleRef.Str("kind");
                var roleName = roleRef.Str("name") ?? "";
                var roleType = ResourceCatalog.Get(Group, roleKind == "ClusterRole" ? "clusterroles" : "roles");
                // BindingAuthorized: "bind" on the role, in the binding's namespace for a Role, anywhere for a ClusterRole.
                if (authorizer.Allows(user, new AccessRequest("bind", Group, roleType.Plural, null, ns, roleName)))
                {
                    return;
                }

                var role = store.Get(roleType, roleKind == "ClusterRole" ? null : ns, roleName);
                rules = role?.ToNode()["rules"] as JsonArray;
                break;
            default:
                return;
        }

        var missing = Missing(user, ns, rules);
        if (missing.Count > 0)
        {
            var groups = string.Join(",", user.Groups.Select(g => $"\"{g}\""));
            throw new ApiError(403, "Forbidden",
                $"{type.QualifiedName} \"{name}\" is forbidden: user \"{user.Name}\" (groups=[{groups}]) is attempting to grant RBAC permissions not currently held:\n{string.Join("\n", missing)}",
                ApiError.DetailsFor(type, name));
        }
    }

    /// <summary>A binding's roleRef is fixed at create: 422 on an update that changes it.</summary>
    public static void CheckRoleRefUnchanged(ResourceType type, JsonObject current, JsonObject updated)
    {
        if (type.Group != Group || type.Plural is not ("rolebindings" or "clusterrolebindings") || JsonNode.DeepEquals(current["roleRef"], updated["roleRef"]))
        {
            return;
        }

        var r = updated["roleRef"] as JsonObject;
        throw ApiError.Invalid(type, current.Obj("metadata").Str("name") ?? "",
            $"roleRef: Invalid value: rbac.RoleRef{{APIGroup:\"{r.Str("apiGroup")}\", Kind:\"{r.Str("kind")}\", Name:\"{r.Str("name")}\"}}: cannot change roleRef");
    }

    /// <summary>The rules (one verb, group and resource each, in the API server's notation) the user does not hold.</summary>
    private List<string> Missing(UserInfo user, string? ns, JsonArray? rules)
    {
        var missing = new List<string>();
        foreach (var rule in rules?.OfType<JsonObject>() ?? [])
        {
            var names = Strings(rule["resourceNames"]);
            foreach (var group in Strings(rule["apiGroups"]))
            {
                foreach (var resource in Strings(rule["resources"]))
                {
                    var slash = resource.IndexOf('/', StringComparison.Ordinal);
                    var (plural, sub) = slash < 0 ? (resource, (string?)null) : (resource[..slash], resource[(slash + 1)..]);
                    foreach (var verb in Strings(rule["verbs"]))
                    {
                        var held = names.Count == 0
                            ? authorizer.Allows(user, new AccessRequest(verb, group, plural, sub, ns, null))
                            : names.All(n => authorizer.Allows(user, new AccessRequest(verb, group, plural, sub, ns, n)));
                        if (!held)
                        {
                            var named = names.Count == 0 ? "" : $", ResourceNames:[{string.Join(" ", names.Select(n => $"\"{n}\""))}]";
                            missing.Add($"{{APIGroups:[\"{group}\"], Resources:[\"{resource}\"]{named}, Verbs:[\"{verb}\"]}}");
                        }
                    }
                }
            }
        }

        return missing;
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(v => v?.ToString() ?? "").ToList() : [];
}
