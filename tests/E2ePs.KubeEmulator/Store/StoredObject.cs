using System.Text.Json;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;

namespace E2ePs.KubeEmulator.Store;

/// <summary>
/// An immutable stored object. The UTF-8 JSON is what clients get (written without re-serializing);
/// the JsonElement is safe to read from many threads (selectors, controllers); a mutable copy comes from <see cref="ToNode"/>.
/// </summary>
internal sealed class StoredObject
{
    public StoredObject(ResourceType type, byte[] json)
    {
        Type = type;
        Json = json;
        Root = JsonDocument.Parse(json).RootElement;
        var metadata = Root.GetProperty("metadata");
        Name = metadata.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        Namespace = metadata.TryGetProperty("namespace", out var ns) ? ns.GetString() : null;
        Uid = metadata.TryGetProperty("uid", out var uid) ? uid.GetString() ?? "" : "";
        ResourceVersion = metadata.TryGetProperty("resourceVersion", out var rv) && long.TryParse(rv.GetString(), out var v) ? v : 0;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString() ?? "";
            }
        }

        Labels = labels;
    }

    public ResourceType Type { get; }

    public byte[] Json { get; }

    public JsonElement Root { get; }

    public string Name { get; }

    public string? Namespace { get; }

    public string Uid { get; }

    public long ResourceVersion { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public JsonObject ToNode() => JsonNode.Parse(Json)!.AsObject();

    public bool HasDeletionTimestamp =>
        Root.GetProperty("metadata").TryGetProperty("deletionTimestamp", out var d) && d.ValueKind == JsonValueKind.String;

    /// <summary>Reads a dotted path ("status.phase", "spec.nodeName") as a string; null when absent.</summary>
    public string? GetString(string dottedPath)
    {
        var current = Root;
        foreach (var part in dottedPath.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Number => current.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    public static StoredObject From(ResourceType type, JsonObject node) =>
        new(type, JsonSerializer.SerializeToUtf8Bytes(node, JsonDefaults.Options));
}
