using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>
/// The resource quota controller (kubernetes/kubernetes pkg/controller/resourcequota/resource_quota_controller.go): keeps each
/// quota's status.hard equal to spec.hard and status.used to what the namespace's pods use, recalculated when a quota or a pod
/// of its namespace changes (upstream also resyncs every 5 minutes; here every change is seen). Runs on the simulation thread.
/// </summary>
internal sealed class QuotaController(Cluster cluster)
{
    public void OnEvent(StoreEvent e)
    {
        if (e.Object.Namespace is not { } ns || (e.Object.Type == ResourceCatalog.ResourceQuotas && e.Type == "DELETED"))
        {
            return;
        }

        var (quotas, _) = cluster.Store.List(ResourceCatalog.ResourceQuotas, ns);
        if (quotas.Count == 0)
        {
            return;
        }

        var used = ResourceQuotaAdmission.Used(cluster, ns, DateTimeOffset.UtcNow);
        foreach (var quota in quotas)
        {
            cluster.Store.Mutate(ResourceCatalog.ResourceQuotas, ns, quota.Name, q =>
            {
                var hard = (q["spec"] as JsonObject)?["hard"] as JsonObject ?? [];
                var status = new JsonObject
                {
                    ["hard"] = hard.DeepClone(),
                    ["used"] = new JsonObject(hard.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)PodUsage.Format(h.Key, used.GetValueOrDefault(h.Key))))),
                };
                if (JsonNode.DeepEquals(q["status"], status))
                {
                    return false;
                }

                q["status"] = status;
                return true;
            });
        }
    }
}
