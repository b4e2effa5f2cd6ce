using E2ePs.KubeEmulator.Discovery;

namespace E2ePs.KubeEmulator.Http;

/// <summary>A resource request decoded from its URL and method, as the API server's RequestInfoFactory does.</summary>
internal sealed record RequestInfo(ResourceType Type, string? Namespace, string? Name, string? Subresource, string Verb)
{
    /// <summary>"pods" or "pods/log": the resource as counted in stats and named in RBAC.</summary>
    public string ResourceLabel => Subresource is null ? Type.Plural : Type.Plural + "/" + Subresource;

    /// <summary>Parses "/api/v1/…" or "/apis/g/v/…"; null when the path is not a resource path.</summary>
    public static RequestInfo? Parse(string method, string[] segments, bool watchParam)
    {
        string group, version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }

        var parts = segments[rest..];
        var watchPath = false;
        if (parts.Length > 0 && parts[0] == "watch")
        {
            watchPath = true;
            parts = parts[1..];
        }

        string? ns = null;
        if (parts.Length >= 3 && parts[0] == "namespaces" && ResourceCatalog.Find(group, version, parts[2]) is { Namespaced: true })
        {
            ns = parts[1];
            parts = parts[2..];
        }

        if (parts.Length == 0)
        {
            return null;
        }

        var type = ResourceCatalog.Find(group, version, parts[0]);
        if (type is null || parts.Length > 3)
        {
            return null;
        }

        var name = parts.Length > 1 ? parts[1] : null;
        var sub = parts.Length > 2 ? parts[2] : null;
        var verb = method switch
        {
            "GET" or "HEAD" when watchPath || watchParam => "watch",
            "GET" or "HEAD" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => "unknown",
        };
        return new RequestInfo(type, ns, name, sub, verb);
    }
}
