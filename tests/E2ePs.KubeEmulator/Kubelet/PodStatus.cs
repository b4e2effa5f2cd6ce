using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Kubelet;

/// <summary>Helpers for status conditions as the kubelet and controllers write them.</summary>
internal static class PodStatus
{
    private static readonly string[] PodConditionOrder = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

    /// <summary>Sets a condition; lastTransitionTime only moves when the status changes, as on a real cluster.</summary>
    public static void SetCondition(JsonObject status, string type, string value, string? reason, string? message, string now, bool probeTime = true)
    {
        var conditions = status.Arr("conditions");
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        var condition = new JsonObject { ["type"] = type, ["status"] = value };
        if (probeTime)
        {
            condition["lastProbeTime"] = null;
        }

        condition["lastTransitionTime"] = existing is not null && existing.Str("status") == value ? existing["lastTransitionTime"]?.DeepClone() : now;
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        if (existing is not null)
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add(condition);
        }

        if (probeTime)
        {
            var ordered = conditions.OfType<JsonObject>()
                .OrderBy(c => Array.IndexOf(PodConditionOrder, c.Str("type")) is var i && i < 0 ? 99 : i)
                .Select(c => (JsonNode)c.DeepClone())
                .ToArray();
            status["conditions"] = new JsonArray(ordered);
        }
    }

    public static bool IsTrue(JsonNode? status, string type) =>
        (status as JsonObject)?["conditions"] is JsonArray conditions &&
        conditions.OfType<JsonObject>().Any(c => c.Str("type") == type && c.Str("status") == "True");
}
