using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Store;

/// <summary>
/// Events are stored once, in the core/v1 shape; events.k8s.io/v1 is a view of the same objects
/// (regarding = involvedObject, note = message, deprecated* = the old count and timestamps), as on a real server.
/// </summary>
internal static class EventConversion
{
    public static JsonObject ToEventsV1(JsonObject core)
    {
        var e = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "events.k8s.io/v1",
            ["metadata"] = core["metadata"]?.DeepClone(),
            ["eventTime"] = core["eventTime"]?.DeepClone(),
            ["reportingController"] = core["reportingComponent"]?.DeepClone(),
            ["reportingInstance"] = core["reportingInstance"]?.DeepClone(),
            ["action"] = core["action"]?.DeepClone(),
            ["reason"] = core["reason"]?.DeepClone(),
            ["regarding"] = core["involvedObject"]?.DeepClone(),
            ["note"] = core["message"]?.DeepClone(),
            ["type"] = core["type"]?.DeepClone(),
            ["deprecatedSource"] = core["source"]?.DeepClone(),
            ["deprecatedFirstTimestamp"] = core["firstTimestamp"]?.DeepClone(),
            ["deprecatedLastTimestamp"] = core["lastTimestamp"]?.DeepClone(),
            ["deprecatedCount"] = core["count"]?.DeepClone(),
        };
        if (core["related"] is JsonNode related)
        {
            e["related"] = related.DeepClone();
        }

        if (core["series"] is JsonNode series)
        {
            e["series"] = series.DeepClone();
        }

        foreach (var key in e.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            e.Remove(key);
        }

        return e;
    }

    public static JsonObject ToCore(JsonObject v1)
    {
        var e = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = v1["metadata"]?.DeepClone(),
            ["involvedObject"] = v1["regarding"]?.DeepClone() ?? new JsonObject(),
            ["reason"] = v1["reason"]?.DeepClone(),
            ["message"] = v1["note"]?.DeepClone(),
            ["source"] = v1["deprecatedSource"]?.DeepClone() ?? new JsonObject(),
            ["firstTimestamp"] = v1["deprecatedFirstTimestamp"]?.DeepClone(),
            ["lastTimestamp"] = v1["deprecatedLastTimestamp"]?.DeepClone(),
            ["count"] = v1["deprecatedCount"]?.DeepClone(),
            ["type"] = v1["type"]?.DeepClone(),
            ["eventTime"] = v1["eventTime"]?.DeepClone(),
            ["action"] = v1["action"]?.DeepClone(),
            ["reportingComponent"] = v1["reportingController"]?.DeepClone() ?? "",
            ["reportingInstance"] = v1["reportingInstance"]?.DeepClone() ?? "",
        };
        if (v1["related"] is JsonNode related)
        {
            e["related"] = related.DeepClone();
        }

        if (v1["series"] is JsonNode series)
        {
            e["series"] = series.DeepClone();
        }

        return e;
    }
}
