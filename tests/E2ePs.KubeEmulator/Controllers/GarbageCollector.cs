using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Deletes dependents of deleted owners (background propagation) and completes foreground deletions:
/// once no dependent is left, the foregroundDeletion finalizer is removed and the owner goes.
/// </summary>
internal sealed class GarbageCollector(Cluster cluster)
{
    public void OnEvent(StoreEvent e)
    {
        if (e.Type == "DELETED")
        {
            DeleteDependents(e.Object.Uid, "Background");
            foreach (var ownerUid in OwnerUids(e.Object))
            {
                TryFinishForeground(ownerUid);
            }
        }
        else if (e.Object.HasDeletionTimestamp && HasForegroundFinalizer(e.Object))
        {
            TryFinishForeground(e.Object.Uid, e.Object);
        }
    }

    public void DeleteDependents(string ownerUid, string propagation)
    {
        foreach (var (type, dependent) in cluster.Deleter.Dependents(ownerUid))
        {
            if (dependent.HasDeletionTimestamp)
            {
                continue;
            }

            try
            {
                cluster.Deleter.Delete(type, dependent.Namespace, dependent.Name, propagation, null, dryRun: false, dependent.Uid);
            }
            catch (Http.ApiError)
            {
                // Gone already.
            }
        }
    }

    private static bool HasForegroundFinalizer(StoredObject o) =>
        o.Root.GetProperty("metadata").TryGetProperty("finalizers", out var f) && f.EnumerateArray().Any(x => x.GetString() == "foregroundDeletion");

    private static List<string> OwnerUids(StoredObject o) =>
        o.Root.GetProperty("metadata").TryGetProperty("ownerReferences", out var refs)
            ? refs.EnumerateArray().Select(r => r.TryGetProperty("uid", out var u) ? u.GetString() ?? "" : "").ToList()
            : [];

    private void TryFinishForeground(string ownerUid, StoredObject? owner = null)
    {
        if (owner is null)
        {
            foreach (var type in new[] { Discovery.ResourceCatalog.Jobs, Discovery.ResourceCatalog.Pods })
            {
                owner = cluster.Store.List(type, null, o => o.Uid == ownerUid).Items.FirstOrDefault();
                if (owner is not null)
                {
                    break;
                }
            }
        }

        if (owner is null || !owner.HasDeletionTimestamp || !HasForegroundFinalizer(owner))
        {
            return;
        }

        if (cluster.Deleter.Dependents(ownerUid).Count > 0)
        {
            return;
        }

        var updated = cluster.Store.Mutate(owner.Type, owner.Namespace, owner.Name, o =>
        {
            if (o.Obj("metadata")["finalizers"] is not JsonArray finalizers)
            {
                return false;
            }

            foreach (var f in finalizers.Where(f => f?.ToString() == "foregroundDeletion").ToList())
            {
                finalizers.Remove(f);
            }

            return true;
        });
        if (updated is not null && updated.ToNode().Obj("metadata")["finalizers"] is not JsonArray { Count: > 0 })
        {
            cluster.Store.Remove(owner.Type, owner.Namespace, owner.Name, owner.Uid);
        }
    }
}
