using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>What one check found: its reason ("allowPrivilegeEscalation != false") and detail, as upstream words them.</summary>
internal sealed record CheckResult(string Reason, string Detail);

/// <summary>
/// The Pod Security Standards checks of kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*.go,
/// with their exact reasons and details, evaluated over a pod's metadata and spec as JSON. As registry.go orders them: the
/// baseline checks by ID, then the restricted ones by ID; restricted drops the baseline checks it overrides
/// (capabilities_baseline, hostPathVolumes, seccompProfile_baseline). A check applies from its minimum version on.
/// </summary>
internal static partial class PodSecurityChecks
{
    private sealed record Check(string Id, string Level, int MinMinor, Func<JsonObject, JsonObject, LevelVersion, CheckResult?> Run, string? Overrides = null);

    private static readonly Check[] s_baseline =
    [
        new("appArmorProfile", LevelVersion.Baseline, 0, AppArmorProfile),
        new("capabilities_baseline", LevelVersion.Baseline, 0, CapabilitiesBaseline),
        new("hostNamespaces", LevelVersion.Baseline, 0, HostNamespaces),
        new("hostPathVolumes", LevelVersion.Baseline, 0, HostPathVolumes),
        new("hostPorts", LevelVersion.Baseline, 0, HostPorts),
        new("hostProbesAndHostLifecycle", LevelVersion.Baseline, 34, HostProbesAndHostLifecycle),
        new("privileged", LevelVersion.Baseline, 0, Privileged),
        new("procMount", LevelVersion.Baseline, 0, ProcMount),
        new("seLinuxOptions", LevelVersion.Baseline, 0, SeLinuxOptions),
        new("seccompProfile_baseline", LevelVersion.Baseline, 0, SeccompBaseline),
        new("sysctls", LevelVersion.Baseline, 0, Sysctls),
        new("windowsHostProcess", LevelVersion.Baseline, 0, WindowsHostProcess),
    ];

    private static readonly Check[] s_restricted =
    [
        new("allowPrivilegeEscalation", LevelVersion.Restricted, 8, AllowPrivilegeEscalation),
        new("capabilities_restricted", LevelVersion.Restricted, 22, CapabilitiesRestricted, "capabilities_baseline"),
        new("restrictedVolumes", LevelVersion.Restricted, 0, RestrictedVolumes, "hostPathVolumes"),
        new("runAsNonRoot", LevelVersion.Restricted, 0, RunAsNonRoot),
        new("runAsUser", LevelVersion.Restricted, 23, RunAsUser),
        new("seccompProfile_restricted", LevelVersion.Restricted, 19, SeccompRestricted, "seccompProfile_baseline"),
    ];

    /// <summary>The failed checks of a pod at a level and version; empty when it passes (always for privileged).</summary>
    public static List<CheckResult> Evaluate(LevelVersion lv, JsonObject? metadata, JsonObject? spec)
    {
        var failed = new List<CheckResult>();
        if (lv.Level == LevelVersion.Privileged)
        {
            return failed;
        }

        metadata ??= new JsonObject();
        spec ??= new JsonObject();
        var restricted = lv.Level == LevelVersion.Restricted;
        var overridden = restricted
            ? s_restricted.Where(c => c.Overrides is not null && lv.Has(c.MinMinor)).Select(c => c.Overrides!).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var check in restricted ? s_baseline.Concat(s_restricted) : s_baseline)
        {
            if (!lv.Has(check.MinMinor) || overridden.Contains(check.Id))
            {
                continue;
            }

            if (check.Run(metadata, spec, lv) is { } result)
            {
                failed.Add(result);
            }
        }

        return failed;
    }

    /// <summary>AggregateCheckResult.ForbiddenDetail: "reason (detail), reason (detail)".</summary>
    public static string Describe(IEnumerable<CheckResult> failed) =>
        string.Join(", ", failed.Select(r => r.Detail.Length > 0 ? $"{r.Reason} ({r.Detail})" : r.Reason));

    // helpers.go
    private static string JoinQuote(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? "" : "\"" + string.Join("\", \"", list) + "\"";
    }

    private static string Pluralize(string singular, string plural, int count) => count == 1 ? singular : plural;

    /// <summary>sets.NewString(...).List(): distinct and sorted bytewise.</summary>
    private static List<string> Sorted(IEnumerable<string> items) => items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>visitContainers: init containers, containers, ephemeral containers, in that order.</summary>
    private static IEnumerable<JsonObject> Containers(JsonObject spec) =>
        new[] { "initContainers", "containers", "ephemeralContainers" }
            .SelectMany(field => (spec[field] as JsonArray)?.OfType<JsonObject>() ?? []);

    private static string Name(JsonObject container) => container["name"]?.GetValue<string>() ?? "";

    private static JsonObject? Sc(JsonObject o) => o["securityContext"] as JsonObject;

    private static JsonObject? At(JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            node = (node as JsonObject)?[p];
        }

        return node as JsonObject;
    }

    private static bool? Bool(JsonNode? node, string name) =>
        (node as JsonObject)?[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static string? Text(JsonNode? node, string name) =>
        (node as JsonObject)?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long? Long(JsonNode? node, string name) =>
        (node as JsonObject)?[name] is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    private static bool IsWindows(JsonObject spec) => Text(spec["os"], "name") == "windows";

    private static IEnumerable<string> Strings(JsonNode? node) =>
        (node as JsonArray)?.Select(n => n?.GetValue<string>() ?? "") ?? [];
}
