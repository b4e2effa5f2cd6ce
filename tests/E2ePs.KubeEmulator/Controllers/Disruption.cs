using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Kubelet;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// The DisruptionTarget pod condition that every disruption adds before it deletes the pod (Kubernetes 1.26+, GA in
/// 1.31): the eviction API (EvictionByEvictionAPI, pkg/registry/core/pod/storage/eviction.go), the taint eviction
/// controller (DeletionByTaintManager, pkg/controller/tainteviction), pod GC (DeletionByPodGC), preemption
/// (PreemptionByScheduler). A Job's podFailurePolicy can match it (onPodConditions).
/// </summary>
internal static class Disruption
{
    public static void AddCondition(Cluster cluster, StoredObject pod, string reason, string message)
    {
        var now = JsonDefaults.Time(DateTimeOffset.UtcNow);
        cluster.Store.Mutate(ResourceCatalog.Pods, pod.Namespace, pod.Name, p =>
        {
            if (p.Obj("metadata").Str("uid") != pod.Uid)
            {
                return false;
            }

            PodStatus.SetCondition(p.Obj("status"), "DisruptionTarget", "True", reason, message, now);
            return true;
        });
    }
}
