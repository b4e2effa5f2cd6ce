using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Http;

/// <summary>
/// Server-side printing (Accept: application/json;as=Table;g=meta.k8s.io;v=v1), which kubectl get uses for its
/// human-readable output: the columns and cell texts of the real printers for pods, jobs, events, namespaces,
/// services and nodes; NAME and AGE for the rest.
/// </summary>
internal static class TablePrinter
{
    public static bool Wanted(HttpContext ctx) =>
        ctx.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Table(ResourceType type, IEnumerable<StoredObject> items, long resourceVersion)
    {
        var (columns, cells) = Printer(type);
        var rows = new JsonArray();
        var now = DateTimeOffset.UtcNow;
        foreach (var o in items)
        {
            var metadata = JsonNode.Parse(o.Root.GetProperty("metadata").GetRawText());
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(cells(o.Root, now).Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = metadata },
            });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Name is "Restarts" ? "integer" : "string",
                ["format"] = c.Name == "Name" ? "name" : "",
                ["description"] = c.Name,
                ["priority"] = c.Priority,
            }).ToArray()),
            ["rows"] = rows,
        };
    }

    private delegate object[] Cells(JsonElement o, DateTimeOffset now);

    private static ((string Name, int Priority)[] Columns, Cells Cells) Printer(ResourceType type) => type.Kind switch
    {
        "Pod" => ([("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0), ("IP", 1), ("Node", 1), ("Nominated Node", 1), ("Readiness Gates", 1)], Pod),
        "Job" => ([("Name", 0), ("Status", 0), ("Completions", 0), ("Duration", 0), ("Age", 0), ("Containers", 1), ("Images", 1), ("Selector", 1)], Job),
        "Event" when type.Group.Length == 0 => ([("Last Seen", 0), ("Type", 0), ("Reason", 0), ("Object", 0), ("Message", 0)], Event),
        "Namespace" => ([("Name", 0), ("Status", 0), ("Age", 0)], (o, now) => [Name(o), Str(o, "status", "phase"), Age(o, now)]),
        "Service" => ([("Name", 0), ("Type", 0), ("Cluster-IP", 0), ("External-IP", 0), ("Port(s)", 0), ("Age", 0), ("Selector", 1)], Service),
        "Node" => ([("Name", 0), ("Status", 0), ("Roles", 0), ("Age", 0), ("Version", 0)], (o, now) => [Name(o), "Ready", "<none>", Age(o, now), Str(o, "status", "nodeInfo", "kubeletVersion")]),
        _ => ([("Name", 0), ("Age", 0)], (o, now) => [Name(o), Age(o, now)]),
    };

    private static string Name(JsonElement o) => Str(o, "metadata", "name");

    private static string Str(JsonElement o, params string[] path)
    {
        foreach (var p in path)
        {
            if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(p, out o))
            {
                return "";
            }
        }

        return o.ValueKind == JsonValueKind.String ? o.GetString() ?? "" : o.ValueKind == JsonValueKind.Number ? o.GetRawText() : "";
    }

    private static List<JsonElement> Items(JsonElement o, params string[] path)
    {
        foreach (var p in path)
        {
            if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(p, out o))
            {
                return [];
            }
        }

        return o.ValueKind == JsonValueKind.Array ? o.EnumerateArray().ToList() : [];
    }

    private static DateTimeOffset? Time(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static string Age(JsonElement o, DateTimeOffset now) =>
        Time(Str(o, "metadata", "creationTimestamp")) is { } t ? HumanDuration(now - t) : "<unknown>";

    /// <summary>k8s.io/apimachinery duration.HumanDuration.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return $"{seconds}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        }

        return hours < 24 * 365 * 2 ? $"{hours / 24}d" : $"{hours / 24 / 365}y";
    }

    private static object[] Pod(JsonElement o, DateTimeOffset now)
    {
        var containers = Items(o, "spec", "containers").Count;
        var statuses = Items(o, "status", "containerStatuses").ToList();
        var ready = statuses.Count(s => s.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.True);
        var restarts = statuses.Sum(s => s.TryGetProperty("restartCount", out var r) ? r.GetInt32() : 0);
        var reason = Str(o, "status", "reason") is { Length: > 0 } r0 ? r0 : Str(o, "status", "phase");
        var inits = Items(o, "status", "initContainerStatuses").ToList();
        var initializing = false;
        for (var i = 0; i < inits.Count; i++)
        {
            var state = inits[i].GetProperty("state");
            if (state.TryGetProperty("terminated", out var t))
            {
                if (t.GetProperty("exitCode").GetInt32() == 0)
                {
                    continue;
                }

                reason = "Init:" + (t.TryGetProperty("reason", out var tr) ? tr.GetString() : "ExitCode:" + t.GetProperty("exitCode").GetInt32());
            }
            else if (state.TryGetProperty("waiting", out var w) && w.TryGetProperty("reason", out var wr) && wr.GetString() != "PodInitializing")
            {
                reason = "Init:" + wr.GetString();
            }
            else
            {
                reason = $"Init:{i}/{Items(o, "spec", "initContainers").Count}";
            }

            initializing = true;
            break;
        }

        if (!initializing)
        {
            var hasRunning = false;
            foreach (var s in Enumerable.Reverse(statuses))
            {
                var state = s.GetProperty("state");
                if (state.TryGetProperty("waiting", out var w) && w.TryGetProperty("reason", out var wr))
                {
                    reason = wr.GetString() ?? reason;
                }
                else if (state.TryGetProperty("terminated", out var t))
                {
                    reason = t.TryGetProperty("reason", out var tr) ? tr.GetString() ?? reason : "ExitCode:" + t.GetProperty("exitCode").GetInt32();
                }
                else if (state.TryGetProperty("running", out _) && s.TryGetProperty("ready", out var rd) && rd.ValueKind == JsonValueKind.True)
                {
                    hasRunning = true;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = "Running";
            }
        }

        if (Str(o, "metadata", "deletionTimestamp").Length > 0)
        {
            reason = "Terminating";
        }

        var ip = Str(o, "status", "podIP");
        var node = Str(o, "spec", "nodeName");
        return [Name(o), $"{ready}/{containers}", reason, restarts, Age(o, now), ip.Length > 0 ? ip : "<none>", node.Length > 0 ? node : "<none>", "<none>", "<none>"];
    }

    private static object[] Job(JsonElement o, DateTimeOffset now)
    {
        var conditions = Items(o, "status", "conditions").Where(c => Str(c, "status") == "True").Select(c => Str(c, "type")).ToList();
        var status = conditions.Contains("Failed") ? "Failed"
            : conditions.Contains("Complete") ? "Complete"
            : o.GetProperty("spec").TryGetProperty("suspend", out var s) && s.ValueKind == JsonValueKind.True ? "Suspended"
            : conditions.Contains("FailureTarget") ? "FailureTarget"
            : conditions.Contains("SuccessCriteriaMet") ? "SuccessCriteriaMet"
            : "Running";
        var succeeded = Str(o, "status", "succeeded") is { Length: > 0 } sc ? sc : "0";
        var completions = Str(o, "spec", "completions") is { Length: > 0 } c ? c : "1";
        var start = Time(Str(o, "status", "startTime"));
        var end = Time(Str(o, "status", "completionTime")) ?? now;
        var containers = Items(o, "spec", "template", "spec", "containers").ToList();
        var selector = string.Join(',', o.GetProperty("spec").TryGetProperty("selector", out var sel) && sel.TryGetProperty("matchLabels", out var ml)
            ? ml.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()) : []);
        return [Name(o), status, $"{succeeded}/{completions}", start is null ? "" : HumanDuration(end - start.Value), Age(o, now),
            string.Join(',', containers.Select(x => Str(x, "name"))), string.Join(',', containers.Select(x => Str(x, "image"))), selector];
    }

    private static object[] Event(JsonElement o, DateTimeOffset now)
    {
        var last = Time(Str(o, "lastTimestamp")) ?? Time(Str(o, "eventTime"));
        var involved = o.TryGetProperty("involvedObject", out var io) ? io : default;
        var kind = Str(involved, "kind").ToLowerInvariant();
        return [last is null ? "<unknown>" : HumanDuration(now - last.Value), Str(o, "type"), Str(o, "reason"), $"{kind}/{Str(involved, "name")}", Str(o, "message")];
    }

    private static object[] Service(JsonElement o, DateTimeOffset now)
    {
        var ports = Items(o, "spec", "ports").Select(p => $"{Str(p, "port")}/{(Str(p, "protocol") is { Length: > 0 } pr ? pr : "TCP")}");
        var selector = o.GetProperty("spec").TryGetProperty("selector", out var sel) && sel.ValueKind == JsonValueKind.Object
            ? string.Join(',', sel.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString())) : "<none>";
        var portText = string.Join(',', ports);
        return [Name(o), Str(o, "spec", "type"), Str(o, "spec", "clusterIP"), "<none>", portText.Length > 0 ? portText : "<none>", Age(o, now), selector];
    }
}
