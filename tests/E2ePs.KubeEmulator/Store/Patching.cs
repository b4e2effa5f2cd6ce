using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Http;
using YamlDotNet.RepresentationModel;

namespace E2ePs.KubeEmulator.Store;

/// <summary>JSON merge patch (RFC 7386), strategic merge patch (merge + lists of named objects merged by name), JSON patch (RFC 6902), YAML bodies.</summary>
internal static class Patching
{
    /// <summary>Lists merged by a key in strategic merge patch, as the Kubernetes types declare (patchMergeKey).</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["conditions"] = "type",
        ["imagePullSecrets"] = "name",
        ["ownerReferences"] = "uid",
    };

    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch, bool strategic, string? field = null)
    {
        if (patch is JsonArray patchArray && target is JsonArray targetArray && strategic && field is not null && MergeKeys.TryGetValue(field, out var key))
        {
            return MergeList(targetArray, patchArray, key);
        }

        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? t.DeepClone().AsObject() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (strategic && name.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = MergePatch(result[name], value, strategic, name);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray target, JsonArray patch, string key)
    {
        var result = target.DeepClone().AsArray();
        foreach (var item in patch)
        {
            var id = item.Str(key) ?? item.Num(key)?.ToString(CultureInfo.InvariantCulture);
            var index = -1;
            for (var i = 0; i < result.Count && id is not null; i++)
            {
                var existing = result[i].Str(key) ?? result[i].Num(key)?.ToString(CultureInfo.InvariantCulture);
                if (existing == id)
                {
                    index = i;
                    break;
                }
            }

            var delete = item.Str("$patch") == "delete";
            if (index >= 0)
            {
                if (delete)
                {
                    result.RemoveAt(index);
                }
                else
                {
                    result[index] = MergePatch(result[index], item, strategic: true);
                }
            }
            else if (!delete)
            {
                result.Add(MergePatch(null, item, strategic: true));
            }
        }

        return result;
    }

    /// <summary>RFC 6902 operations add, remove, replace, test, move, copy.</summary>
    public static JsonNode ApplyJsonPatch(JsonNode target, JsonArray operations)
    {
        var doc = target.DeepClone();
        foreach (var op in operations)
        {
            var kind = op.Str("op");
            var path = op.Str("path") ?? throw ApiError.BadRequest("json patch: missing path");
            switch (kind)
            {
                case "add":
                    Set(doc, path, op!["value"]?.DeepClone(), insert: true);
                    break;
                case "replace":
                    Resolve(doc, path);
                    Set(doc, path, op!["value"]?.DeepClone(), insert: false);
                    break;
                case "remove":
                    Remove(doc, path);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(doc, path), op!["value"]))
                    {
                        throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }

                    break;
                case "move":
                case "copy":
                    var from = op.Str("from") ?? throw ApiError.BadRequest("json patch: missing from");
                    var value = Resolve(doc, from)?.DeepClone();
                    if (kind == "move")
                    {
                        Remove(doc, from);
                    }

                    Set(doc, path, value, insert: true);
                    break;
                default:
                    throw ApiError.BadRequest($"json patch: unsupported operation \"{kind}\"");
            }
        }

        return doc;
    }

    private static string[] Tokens(string path) =>
        path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Resolve(JsonNode doc, string path)
    {
        JsonNode? current = doc;
        foreach (var token in Tokens(path))
        {
            current = current switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, out var i) && i < a.Count => a[i],
                _ => throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: jsonpatch path {path} does not exist"),
            };
        }

        return current;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode doc, string path)
    {
        var tokens = Tokens(path);
        var parentPath = "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        var parent = tokens.Length == 1 ? doc : Resolve(doc, parentPath);
        return (parent ?? throw ApiError.BadRequest($"json patch: no parent for {path}"), tokens[^1]);
    }

    private static void Set(JsonNode doc, string path, JsonNode? value, bool insert)
    {
        var (parent, last) = Parent(doc, path);
        if (parent is JsonObject o)
        {
            o[last] = value;
        }
        else if (parent is JsonArray a)
        {
            if (last == "-")
            {
                a.Add(value);
            }
            else if (insert)
            {
                a.Insert(int.Parse(last, CultureInfo.InvariantCulture), value);
            }
            else
            {
                a[int.Parse(last, CultureInfo.InvariantCulture)] = value;
            }
        }
    }

    private static void Remove(JsonNode doc, string path)
    {
        Resolve(doc, path);
        var (parent, last) = Parent(doc, path);
        if (parent is JsonObject o)
        {
            o.Remove(last);
        }
        else if (parent is JsonArray a)
        {
            a.RemoveAt(int.Parse(last, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Parses a request body that is JSON or YAML (server-side apply accepts both).</summary>
    public static JsonNode ParseBody(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(text) ?? throw ApiError.BadRequest("empty body");
            }
            catch (System.Text.Json.JsonException e)
            {
                throw ApiError.BadRequest($"the object provided is unrecognized: {e.Message}");
            }
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw ApiError.BadRequest($"error converting YAML to JSON: {e.Message}");
        }

        if (stream.Documents.Count == 0)
        {
            throw ApiError.BadRequest("empty body");
        }

        return FromYaml(stream.Documents[0].RootNode) ?? throw ApiError.BadRequest("empty body");
    }

    private static JsonNode? FromYaml(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    o[((YamlScalarNode)k).Value ?? ""] = FromYaml(v);
                }

                return o;
            case YamlSequenceNode seq:
                var a = new JsonArray();
                foreach (var item in seq.Children)
                {
                    a.Add(FromYaml(item));
                }

                return a;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
                {
                    return JsonValue.Create(text);
                }

                return text switch
                {
                    "null" or "~" or "" => null,
                    "true" or "True" => JsonValue.Create(true),
                    "false" or "False" => JsonValue.Create(false),
                    _ when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
                    _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && text.Any(char.IsDigit) => JsonValue.Create(d),
                    _ => JsonValue.Create(text),
                };
            default:
                return null;
        }
    }

    /// <summary>The fieldsV1 set of an applied configuration: every field it names, lists of named objects by key.</summary>
    public static JsonObject FieldSet(JsonObject applied, bool top = true)
    {
        var set = new JsonObject();
        foreach (var (name, value) in applied)
        {
            if (top && name is "apiVersion" or "kind" or "status")
            {
                continue;
            }

            if (top && name == "metadata" && value is JsonObject meta)
            {
                var m = new JsonObject();
                foreach (var (mk, mv) in meta)
                {
                    if (mk is "labels" or "annotations" && mv is JsonObject labels)
                    {
                        m["f:" + mk] = new JsonObject(labels.Select(l => KeyValuePair.Create<string, JsonNode?>("f:" + l.Key, new JsonObject())));
                    }
                }

                if (m.Count > 0)
                {
                    set["f:metadata"] = m;
                }

                continue;
            }

            set["f:" + name] = value switch
            {
                JsonObject child => FieldSet(child, top: false),
                JsonArray list when MergeKeys.TryGetValue(name, out var key) => ListFieldSet(list, key),
                _ => new JsonObject(),
            };
        }

        return set;
    }

    private static JsonObject ListFieldSet(JsonArray list, string key)
    {
        var set = new JsonObject();
        foreach (var item in list)
        {
            if (item is JsonObject o && o[key] is JsonNode id)
            {
                var child = FieldSet(o, top: false);
                child["."] = new JsonObject();
                set["k:{\"" + key + "\":" + id.ToJsonString() + "}"] = child;
            }
        }

        return set;
    }
}
