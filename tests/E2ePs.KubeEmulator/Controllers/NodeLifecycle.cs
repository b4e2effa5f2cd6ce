using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Kubelet;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Node loss and what follows it, after kubernetes/kubernetes:
/// <list type="bullet">
/// <item>a lost node's kubelet posts nothing: its pods' statuses freeze and their deletion is never carried out
/// (pods stay Terminating), as when a node is cut off;</item>
/// <item>after the node monitor grace period (<see cref="EmulatorOptions.NodeMonitorGracePeriod"/>, upstream
/// --node-monitor-grace-period, 50 s since 1.32) the node lifecycle controller sets Ready=Unknown, reason
/// NodeStatusUnknown, "Kubelet stopped posting node status.", and the taints node.kubernetes.io/unreachable
/// NoSchedule and NoExecute (pkg/controller/nodelifecycle/node_lifecycle_controller.go);</item>
/// <item>the taint eviction controller deletes each pod on it once its shortest matching NoExecute toleration runs
/// out (the DefaultTolerationSeconds admission gives pods 300 s; no matching toleration: at once), first adding the
/// DisruptionTarget condition, reason DeletionByTaintManager, "Taint manager: deleting due to NoExecute taint", with
/// the event TaintManagerEviction (pkg/controller/tainteviction/taint_eviction.go);</item>
/// <item>the scheduler skips a node with spec.unschedulable (kubectl cordon) or a NoSchedule/NoExecute taint the pod
/// does not tolerate (pkg/scheduler/framework/plugins/nodeunschedulable, tainttoleration).</item>
/// </list>
/// A recovered node reports its pods again and carries out their deletion.
/// </summary>
internal sealed class NodeLifecycle(Cluster cluster)
{
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lost = new(StringComparer.Ordinal);

    public bool IsLost(string node) => _lost.ContainsKey(node);

    /// <summary>The node's kubelet stops posting; the controllers react after the node monitor grace period.</summary>
    public void Lose(string node)
    {
        if (cluster.Store.Get(ResourceCatalog.Nodes, null, node) is null)
        {
            throw ApiError.NotFound(ResourceCatalog.Nodes, node);
        }

        var since = DateTimeOffset.UtcNow;
        if (_lost.TryAdd(node, since))
        {
            cluster.Loop.Schedule(cluster.Options.NodeMonitorGracePeriod, () => MarkUnreachable(node, since));
        }
    }

    /// <summary>The kubelet posts again: Ready, taints gone, and it carries out what happened meanwhile.</summary>
    public void Recover(string node)
    {
        if (!_lost.TryRemove(node, out _))
        {
            return;
        }

        var now = JsonDefaults.Time(DateTimeOffset.UtcNow);
        cluster.Store.Mutate(ResourceCatalog.Nodes, null, node, n =>
        {
            SetReady(n, "True", "KubeletReady", "kubelet is posting ready status", now);
            if (n.Obj("spec")["taints"] is JsonArray taints)
            {
                foreach (var t in taints.OfType<JsonObject>().Where(t => t.Str("key") == UnreachableTaint).ToList())
                {
                    taints.Remove(t);
                }
            }

            return true;
        });
        cluster.Loop.Post(() => cluster.Kubelet.NodeRecovered(node));
    }

    private void MarkUnreachable(string node, DateTimeOffset since)
    {
        if (!_lost.TryGetValue(node, out var lostAt) || lostAt != since)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var nowText = JsonDefaults.Time(now);
        var updated = cluster.Store.Mutate(ResourceCatalog.Nodes, null, node, n =>
        {
            SetReady(n, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", nowText);
            var taints = n.Obj("spec").Arr("taints");
            foreach (var effect in new[] { "NoSchedule", "NoExecute" })
            {
                if (!taints.OfType<JsonObject>().Any(t => t.Str("key") == UnreachableTaint && t.Str("effect") == effect))
                {
                    var taint = new JsonObject { ["key"] = UnreachableTaint, ["effect"] = effect };
                    if (effect == "NoExecute")
                    {
                        taint["timeAdded"] = nowText;
                    }

                    taints.Add(taint);
                }
            }

            return true;
        });
        if (updated is null)
        {
            return;
        }

        foreach (var pod in cluster.Store.List(ResourceCatalog.Pods, null, p => p.GetString("spec.nodeName") == node).Items)
        {
            var tolerated = TolerationSeconds(pod.ToNode().Obj("spec"), UnreachableTaint);
            if (tolerated is { } seconds)
            {
                cluster.Loop.Schedule(TimeSpan.FromSeconds(Math.Max(0, seconds)), () => Evict(pod.Namespace!, pod.Name, pod.Uid, node, since));
            }
        }
    }

    /// <summary>How long a pod tolerates a NoExecute taint: the shortest matching tolerationSeconds; null: forever; 0: not at all.</summary>
    public static long? TolerationSeconds(JsonObject podSpec, string taintKey)
    {
        long? shortest = null;
        var matched = false;
        foreach (var t in (podSpec["tolerations"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var keyMatches = t.Str("key") == taintKey || (t.Str("key") is null or "" && t.Str("operator") == "Exists");
            var effectMatches = t.Str("effect") is null or "" or "NoExecute";
            var valueMatches = t.Str("operator") == "Exists" || (t.Str("value") ?? "") == "";
            if (!keyMatches || !effectMatches || !valueMatches)
            {
                continue;
            }

            matched = true;
            if (t.Num("tolerationSeconds") is not { } seconds)
            {
                return null;
            }

            shortest = shortest is null ? seconds : Math.Min(shortest.Value, seconds);
        }

        return matched ? shortest : 0;
    }

    private void Evict(string ns, string name, string uid, string node, DateTimeOffset since)
    {
        if (!_lost.TryGetValue(node, out var lostAt) || lostAt != since)
        {
            return;
        }

        var pod = cluster.Store.Get(ResourceCatalog.Pods, ns, name);
        if (pod is null || pod.Uid != uid || pod.HasDeletionTimestamp)
        {
            return;
        }

        cluster.Events.Record(pod, "Normal", "TaintManagerEviction", $"Marking for deletion Pod {ns}/{name}", "taint-eviction-controller");
        Disruption.AddCondition(cluster, pod, "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint");
        cluster.Deleter.DeletePodForController(pod);
    }

    /// <summary>Why the scheduler may not place <paramref name="podSpec"/> on each node that refuses it (cordoned or tainted).</summary>
    public Dictionary<string, string> Refusals(JsonObject podSpec)
    {
        var refusals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in cluster.Store.List(ResourceCatalog.Nodes, null).Items)
        {
            var n = node.ToNode();
            if (n.Obj("spec")["unschedulable"]?.GetValue<bool>() == true)
            {
                refusals[node.Name] = "node(s) were unschedulable";
                continue;
            }

            foreach (var taint in (n.Obj("spec")["taints"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (taint.Str("effect") is "NoSchedule" or "NoExecute" && !Tolerates(podSpec, taint))
                {
                    refusals[node.Name] = $"node(s) had untolerated taint {{{taint.Str("key")}: {taint.Str("value")}}}";
                    break;
                }
            }
        }

        return refusals;
    }

    private static bool Tolerates(JsonObject podSpec, JsonObject taint) =>
        (podSpec["tolerations"] as JsonArray ?? []).OfType<JsonObject>().Any(t =>
            (t.Str("key") == taint.Str("key") || (t.Str("key") is null or "" && t.Str("operator") == "Exists"))
            && (t.Str("effect") is null or "" || t.Str("effect") == taint.Str("effect"))
            && (t.Str("operator") == "Exists" || (t.Str("value") ?? "") == (taint.Str("value") ?? "")));

    private static void SetReady(JsonObject node, string status, string reason, string message, string now)
    {
        var conditions = node.Obj("status").Arr("conditions");
        var ready = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "Ready");
        if (ready is null)
        {
            ready = new JsonObject { ["type"] = "Ready" };
            conditions.Add(ready);
        }

        if (ready.Str("status") != status)
        {
            ready["lastTransitionTime"] = now;
        }

        ready["status"] = status;
        ready["reason"] = reason;
        ready["message"] = message;
        ready["lastHeartbeatTime"] = now;
    }
}
