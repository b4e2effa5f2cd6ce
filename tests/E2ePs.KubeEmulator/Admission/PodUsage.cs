using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Kubelet;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>
/// What a pod counts against a ResourceQuota, as kubernetes/kubernetes pkg/quota/v1/evaluator/core/pods.go (podComputeUsageHelper,
/// QuotaV1Pod) counts it: pods and count/pods 1; cpu and requests.cpu, memory and requests.memory from the pod's requests; limits.cpu
/// and limits.memory from its limits. A pod's requests are those of its containers summed, or of its largest init container when that
/// is larger (component-helpers resource.PodRequests). A pod in phase Succeeded or Failed, or past its deletion grace, counts nothing.
/// </summary>
internal static class PodUsage
{
    /// <summary>The resources of a quota that pods use (podResources in pods.go).</summary>
    public static readonly HashSet<string> PodResources = new(StringComparer.Ordinal)
    {
        "pods", "count/pods", "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    };

    /// <summary>The resources each container must state once a quota limits them (validationSet in pods.go).</summary>
    public static readonly HashSet<string> MustBeSpecified = new(StringComparer.Ordinal)
    {
        "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    };

    public static bool Counts(JsonObject pod, DateTimeOffset now)
    {
        var phase = pod["status"]?["phase"]?.GetValue<string>();
        if (phase is "Succeeded" or "Failed")
        {
            return false;
        }

        var meta = pod["metadata"] as JsonObject;
        if (meta?["deletionTimestamp"]?.GetValue<string>() is { } deletion && DateTimeOffset.TryParse(deletion, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            var grace = meta["deletionGracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var s) ? s : 0;
            return now <= at.AddSeconds(grace);
        }

        return true;
    }

    /// <summary>The usage of one pod, by quota resource name (cpu in cores, memory in bytes).</summary>
    public static Dictionary<string, double> Of(JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        var usage = new Dictionary<string, double>(StringComparer.Ordinal) { ["pods"] = 1, ["count/pods"] = 1 };
        foreach (var (field, names) in new[] { ("requests", new[] { "requests" }), ("limits", new[] { "limits" }) })
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var sum = Containers(spec, "containers").Select(c => Amount(c, field, resource)).Where(v => v is not null).Select(v => v!.Value).ToList();
                var init = Containers(spec, "initContainers").Select(c => Amount(c, field, resource)).Where(v => v is not null).Select(v => v!.Value).ToList();
                if (sum.Count == 0 && init.Count == 0)
                {
                    continue;
                }

                var total = Math.Max(sum.Sum(), init.Count > 0 ? init.Max() : 0);
                usage[names[0] + "." + resource] = total;
                if (field == "requests")
                {
                    usage[resource] = total;
                }
            }
        }

        return usage;
    }

    /// <summary>The resource names one container states (podComputeUsageHelper over its own requests and limits).</summary>
    public static HashSet<string> Stated(JsonObject container)
    {
        var stated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in new[] { "cpu", "memory" })
        {
            if (Amount(container, "requests", resource) is not null)
            {
                stated.Add(resource);
                stated.Add("requests." + resource);
            }

            if (Amount(container, "limits", resource) is not null)
            {
                stated.Add("limits." + resource);
            }
        }

        return stated;
    }

    public static IEnumerable<JsonObject> Containers(JsonObject spec, string field) => (spec[field] as JsonArray)?.OfType<JsonObject>() ?? [];

    /// <summary>A quantity as resource.Quantity prints it, near enough: cores as "2" or "500m", bytes with the largest exact binary suffix.</summary>
    public static string Format(string resource, double value)
    {
        if (resource.EndsWith("cpu", StringComparison.Ordinal))
        {
            var millis = (long)Math.Round(value * 1000);
            return millis % 1000 == 0 ? (millis / 1000).ToString(CultureInfo.InvariantCulture) : millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var whole = (long)Math.Round(value);
        foreach (var (suffix, factor) in new[] { ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10) })
        {
            if (whole != 0 && whole % factor == 0)
            {
                return (whole / factor).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return whole.ToString(CultureInfo.InvariantCulture);
    }

    private static double? Amount(JsonObject container, string field, string resource) =>
        (container["resources"]?[field] as JsonObject)?[resource] is JsonValue v && v.TryGetValue<string>(out var text) ? Quantity.Parse(text) : null;
}
