using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// When a deleted pod may leave the store. The kubelet, once the containers of a deleted pod have stopped, deletes it
/// with grace 0 (pkg/kubelet/status/status_manager.go, canBeDeleted/deletePod); the API server removes the object only
/// when no finalizer is left, and otherwise keeps it with deletionGracePeriodSeconds 0 (apiserver
/// pkg/registry/generic/registry/store.go, updateForGracefulDeletionAndFinalizers). The Job controller's
/// <see cref="JobTracking"/> finalizer is removed once the pod is counted (pkg/controller/job/job_controller.go,
/// removeTrackingFinalizerFromPods), which then removes a pod already stopped.
/// </summary>
internal static class PodRemoval
{
    /// <summary>batch.kubernetes.io/job-tracking: the Job controller's finalizer on every pod it creates.</summary>
    public const string JobTracking = "batch.kubernetes.io/job-tracking";

    public static bool HasFinalizers(StoredObject pod) =>
        pod.Root.GetProperty("metadata").TryGetProperty("finalizers", out var f) && f.GetArrayLength() > 0;

    public static bool HasFinalizer(StoredObject pod, string finalizer) =>
        pod.Root.GetProperty("metadata").TryGetProperty("finalizers", out var f) && f.EnumerateArray().Any(x => x.GetString() == finalizer);

    /// <summary>The kubelet has stopped every container of a deleted pod: remove it, unless a finalizer holds it.</summary>
    public static void KubeletStopped(Cluster cluster, string ns, string name, string uid)
    {
        var pod = cluster.Store.Get(ResourceCatalog.Pods, ns, name);
        if (pod is null || pod.Uid != uid)
        {
            return;
        }

        if (!HasFinalizers(pod))
        {
            cluster.Store.Remove(ResourceCatalog.Pods, ns, name, uid);
            return;
        }

        cluster.Store.Mutate(ResourceCatalog.Pods, ns, name, o =>
        {
            var meta = o.Obj("metadata");
            if (meta.Str("uid") != uid || meta.Num("deletionGracePeriodSeconds") == 0)
            {
                return false;
            }

            meta["deletionGracePeriodSeconds"] = 0;
            return true;
        });
    }

    /// <summary>Removes <paramref name="finalizer"/> from a pod; a deleted pod whose containers no longer run then goes.</summary>
    public static void RemoveFinalizer(Cluster cluster, StoredObject pod, string finalizer)
    {
        var updated = cluster.Store.Mutate(ResourceCatalog.Pods, pod.Namespace, pod.Name, o =>
        {
            var meta = o.Obj("metadata");
            if (meta.Str("uid") != pod.Uid || meta["finalizers"] is not JsonArray finalizers)
            {
                return false;
            }

            var removed = finalizers.Where(f => f?.ToString() == finalizer).ToList();
            removed.ForEach(f => finalizers.Remove(f));
            if (finalizers.Count == 0)
            {
                meta.Remove("finalizers");
            }

            return removed.Count > 0;
        });
        if (updated is not null)
        {
            RemoveIfReleased(cluster, updated);
        }
    }

    /// <summary>
    /// A deleted pod with no finalizer left goes once nothing runs it: it finished, it was never bound, or the kubelet
    /// already asked for its removal (deletionGracePeriodSeconds 0).
    /// </summary>
    public static void RemoveIfReleased(Cluster cluster, StoredObject pod)
    {
        if (!pod.HasDeletionTimestamp || HasFinalizers(pod))
        {
            return;
        }

        var node = pod.ToNode();
        var stopped = pod.GetString("status.phase") is "Succeeded" or "Failed"
            || pod.GetString("spec.nodeName") is null
            || node.Obj("metadata").Num("deletionGracePeriodSeconds") == 0;
        if (stopped)
        {
            cluster.Store.Remove(ResourceCatalog.Pods, pod.Namespace, pod.Name, pod.Uid);
        }
    }
}
