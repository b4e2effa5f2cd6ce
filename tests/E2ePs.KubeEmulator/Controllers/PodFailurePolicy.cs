using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// A Job's spec.podFailurePolicy applied to one failed pod, as upstream's matchPodFailurePolicy
/// (kubernetes/kubernetes pkg/controller/job/pod_failure_policy.go): the rules in order, the first that matches wins;
/// onExitCodes looks at terminated containers with a non-zero exit code (containers, then init containers),
/// onPodConditions at the pod's conditions (type and status, status defaulting to True); FailJob fails the Job with a
/// message naming the rule, Ignore does not count the failure towards backoffLimit, Count counts it; a rule with an
/// unknown action is skipped. No match counts the failure.
/// </summary>
internal static class PodFailurePolicy
{
    /// <summary>What a matched rule says about a failed pod.</summary>
    public readonly record struct Verdict(string? FailJobMessage, bool CountFailed, string? Action);

    public static Verdict Match(JsonObject? policy, JsonObject pod)
    {
        if (policy?["rules"] is not JsonArray rules)
        {
            return new Verdict(null, true, null);
        }

        var meta = pod.Obj("metadata");
        var status = pod.Obj("status");
        for (var index = 0; index < rules.Count; index++)
        {
            if (rules[index] is not JsonObject rule || rule.Str("action") is not ("Ignore" or "FailJob" or "Count") || rule.Str("action") is not { } action)
            {
                continue;
            }

            string? failJobMessage = null;
            if (rule["onExitCodes"] is JsonObject onExitCodes)
            {
                if (MatchExitCodes(status, onExitCodes) is not { } container)
                {
                    continue;
                }

                failJobMessage = $"Container {container.Str("name")} for pod {meta.Str("namespace")}/{meta.Str("name")} failed with exit code {container["state"]?["terminated"]?.Num("exitCode")} matching {action} rule at index {index}";
            }
            else if (rule["onPodConditions"] is JsonArray patterns)
            {
                if (MatchConditions(status, patterns) is not { } condition)
                {
                    continue;
                }

                failJobMessage = $"Pod {meta.Str("namespace")}/{meta.Str("name")} has condition {condition.Str("type")} matching {action} rule at index {index}";
            }
            else
            {
                continue;
            }

            return action switch
            {
                "Ignore" => new Verdict(null, false, action),
                "Count" => new Verdict(null, true, action),
                _ => new Verdict(failJobMessage, true, action),
            };
        }

        return new Verdict(null, true, null);
    }

    private static JsonObject? MatchExitCodes(JsonObject status, JsonObject requirement)
    {
        var name = requirement.Str("containerName");
        var op = requirement.Str("operator");
        var values = (requirement["values"] as JsonArray ?? []).Select(v => v?.GetValue<long>() ?? 0).ToHashSet();
        foreach (var field in new[] { "containerStatuses", "initContainerStatuses" })
        {
            foreach (var container in (status[field] as JsonArray ?? []).OfType<JsonObject>())
            {
                // A container still terminating has no exit code to match.
                if (container["state"]?["terminated"]?.Num("exitCode") is not { } exitCode || exitCode == 0 || (name is not null && container.Str("name") != name))
                {
                    continue;
                }

                var matches = op switch
                {
                    "In" => values.Contains(exitCode),
                    "NotIn" => !values.Contains(exitCode),
                    _ => false,
                };
                if (matches)
                {
                    return container;
                }
            }
        }

        return null;
    }

    private static JsonObject? MatchConditions(JsonObject status, JsonArray patterns)
    {
        foreach (var condition in (status["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var pattern in patterns.OfType<JsonObject>())
            {
                if (condition.Str("type") == pattern.Str("type") && condition.Str("status") == (pattern.Str("status") ?? "True"))
                {
                    return condition;
                }
            }
        }

        return null;
    }
}
