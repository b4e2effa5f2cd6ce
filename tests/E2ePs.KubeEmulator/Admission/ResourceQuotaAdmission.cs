using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Kubelet;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>
/// The ResourceQuota admission plugin for pod creates (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go,
/// checkRequest): for each quota of the namespace that limits a resource pods use, first the evaluator's constraints (every container states
/// the cpu/memory it limits: "failed quota: &lt;quota&gt;: must specify limits.cpu,limits.memory"), then the new usage against the hard
/// limits ("exceeded quota: &lt;quota&gt;, requested: pods=1, used: pods=1, limited: pods=1", each list only the exceeded resources, sorted).
/// Both are 403 Forbidden on the pod. Usage is what the pods of the namespace use now, so it is never stale; quota scopes are not emulated.
/// </summary>
internal static class ResourceQuotaAdmission
{
    public static void Check(Cluster cluster, JsonObject pod, string ns, string name)
    {
        var (quotas, _) = cluster.Store.List(ResourceCatalog.ResourceQuotas, ns);
        if (quotas.Count == 0)
        {
            return;
        }

        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        var requested = PodUsage.Of(pod);
        var now = DateTimeOffset.UtcNow;
        Dictionary<string, double>? used = null;
        foreach (var quota in quotas.OrderBy(q => q.Name, StringComparer.Ordinal))
        {
            var hard = Hard(quota.ToNode());
            if (!hard.Keys.Any(PodUsage.PodResources.Contains))
            {
                continue;
            }

            var required = hard.Keys.Where(PodUsage.MustBeSpecified.Contains).ToHashSet(StringComparer.Ordinal);
            var missing = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var container in PodUsage.Containers(spec, "containers").Concat(PodUsage.Containers(spec, "initContainers")))
            {
                missing.UnionWith(required.Except(PodUsage.Stated(container)));
            }

            if (missing.Count > 0)
            {
                throw Forbidden(name, $"failed quota: {quota.Name}: must specify {string.Join(",", missing)}");
            }

            used ??= Used(cluster, ns, now);
            var exceeded = hard.Keys.Where(PodUsage.PodResources.Contains)
                .Where(r => requested.ContainsKey(r) && used.GetValueOrDefault(r) + requested[r] > hard[r] + 1e-9)
                .Order(StringComparer.Ordinal).ToList();
            if (exceeded.Count > 0)
            {
                string Print(Func<string, double> value) => string.Join(",", exceeded.Select(r => r + "=" + PodUsage.Format(r, value(r))));
                throw Forbidden(name, $"exceeded quota: {quota.Name}, requested: {Print(r => requested[r])}, used: {Print(r => used.GetValueOrDefault(r))}, limited: {Print(r => hard[r])}");
            }
        }
    }

    /// <summary>What the pods of a namespace use now, summed by resource.</summary>
    public static Dictionary<string, double> Used(Cluster cluster, string ns, DateTimeOffset now)
    {
        var used = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var pod in cluster.Store.List(ResourceCatalog.Pods, ns).Items.Select(p => p.ToNode()).Where(p => PodUsage.Counts(p, now)))
        {
            foreach (var (resource, amount) in PodUsage.Of(pod))
            {
                used[resource] = used.GetValueOrDefault(resource) + amount;
            }
        }

        return used;
    }

    public static Dictionary<string, double> Hard(JsonObject quota) =>
        ((quota["spec"] as JsonObject)?["hard"] as JsonObject ?? [])
            .ToDictionary(p => p.Key, p => Quantity.Parse(p.Value?.GetValue<string>()), StringComparer.Ordinal);

    private static ApiError Forbidden(string name, string reason) =>
        new(403, "Forbidden", $"pods \"{name}\" is forbidden: {reason}", ApiError.DetailsFor(ResourceCatalog.Pods, name));
}
