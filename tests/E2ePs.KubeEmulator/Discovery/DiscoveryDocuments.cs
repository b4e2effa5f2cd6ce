using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Discovery;

/// <summary>
/// /version, /api, /apis and the per group-version resource lists in the legacy (unaggregated) form.
/// kubectl asks for aggregated discovery first; answering application/json makes it fall back to these.
/// </summary>
internal static class DiscoveryDocuments
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0",
        ["gitCommit"] = "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T17:59:15Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(ResourceCatalog.GroupVersions.Where(gv => gv.Group.Length > 0).Select(gv => (JsonNode)Group(gv.Group, gv.Version)).ToArray()),
    };

    public static JsonObject? Group(string group)
    {
        var gv = ResourceCatalog.GroupVersions.FirstOrDefault(g => g.Group == group && group.Length > 0);
        if (gv.Version is null)
        {
            return null;
        }

        var doc = Group(gv.Group, gv.Version);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    private static JsonObject Group(string group, string version)
    {
        var gv = new JsonObject { ["groupVersion"] = group + "/" + version, ["version"] = version };
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(gv),
            ["preferredVersion"] = gv.DeepClone(),
        };
    }

    public static JsonObject? ResourceList(string group, string version)
    {
        var types = ResourceCatalog.InGroupVersion(group, version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (t.ShortNames.Length > 0)
            {
                r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)s).ToArray());
            }

            if (t.Plural is "pods" or "services" or "jobs")
            {
                r["categories"] = new JsonArray("all");
            }

            resources.Add(r);
            foreach (var sub in t.Subresources)
            {
                if (sub == "eviction")
                {
                    // kubectl drain finds the Eviction's group and version here (drain.CheckEvictionSupport).
                    resources.Add(new JsonObject { ["name"] = "pods/eviction", ["singularName"] = "", ["namespaced"] = true, ["group"] = "policy", ["version"] = "v1", ["kind"] = "Eviction", ["verbs"] = new JsonArray("create") });
                    continue;
                }

                resources.Add(new JsonObject
                {
                    ["name"] = t.Plural + "/" + sub,
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = sub == "log" ? "Pod" : t.Kind,
                    ["verbs"] = sub == "log" ? new JsonArray("get") : new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }
}
