using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Discovery;

/// <summary>
/// Just enough OpenAPI v3 for kubectl's default --validate=strict: per group version, the PATCH operations with their
/// x-kubernetes-group-version-kind and the fieldValidation query parameter. Seeing that parameter, kubectl leaves
/// field validation to the server instead of downloading full schemas (which this emulator does not have).
/// </summary>
internal static class OpenApiDocuments
{
    private const string Hash = "E2EPSKUBEEMULATOR0000000000000000000000000000000000000000000000";

    public static JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (group, version) in ResourceCatalog.GroupVersions)
        {
            var key = group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(string[] segments)
    {
        // segments: ["api","v1"] or ["apis", group, version]
        var (group, version) = segments switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => (null, null),
        };
        if (group is null || version is null || !ResourceCatalog.InGroupVersion(group, version).Any())
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var t in ResourceCatalog.InGroupVersion(group, version))
        {
            var prefix = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
            var path = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}/{{name}}" : $"{prefix}/{t.Plural}/{{name}}";
            var parameters = new JsonArray();
            foreach (var p in new[] { "dryRun", "fieldManager", "fieldValidation", "force" })
            {
                parameters.Add(new JsonObject { ["name"] = p, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = p == "force" ? "boolean" : "string", ["uniqueItems"] = true } });
            }

            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = "patch" + t.Kind,
                    ["parameters"] = parameters,
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = t.Kind },
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }
}
