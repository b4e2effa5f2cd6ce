using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Deletion as the API server does it: graceful for running pods (deletionTimestamp, the kubelet stops them),
/// finalizers, propagationPolicy Background / Foreground (foregroundDeletion finalizer until dependents are gone) /
/// Orphan (dependents lose their ownerReference). batch/v1 Jobs default to Orphan, as on a real server.
/// </summary>
internal sealed class Deleter(Cluster cluster)
{
    private static readonly ResourceType[] DependentTypes =
        [ResourceCatalog.Pods, ResourceCatalog.Jobs, ResourceCatalog.Get("", "configmaps"), ResourceCatalog.Get("", "secrets"), ResourceCatalog.Services, ResourceCatalog.Get("", "endpoints"), ResourceCatalog.Get("discovery.k8s.io", "endpointslices")];

    public StoredObject Delete(ResourceType type, string? ns, string name, string? propagation, long? gracePeriod, bool dryRun, string? preconditionUid = null)
    {
        var current = cluster.Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
        if (preconditionUid is not null && current.Uid != preconditionUid)
        {
            throw new ApiError(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": Precondition failed: UID in precondition: {preconditionUid}, UID in object meta: {current.Uid}", ApiError.DetailsFor(type, name));
        }

        if (dryRun)
        {
            return current;
        }

        propagation ??= type == ResourceCatalog.Jobs ? "Orphan" : "Background";
        if (propagation is not ("Background" or "Foreground" or "Orphan"))
        {
            throw ApiError.BadRequest($"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{propagation}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        }

        if (type == ResourceCatalog.Namespaces)
        {
            return DeleteNamespace(current);
        }

        if (propagation == "Orphan")
        {
            Orphan(current);
        }

        if (propagation == "Foreground" && Dependents(current.Uid).Count > 0)
        {
            var marked = cluster.Store.Mutate(type, ns, name, o =>
            {
                var meta = o.Obj("metadata");
                meta.SetDefault("deletionTimestamp", JsonDefaults.Time(DateTimeOffset.UtcNow));
                meta.SetDefault("deletionGracePeriodSeconds", 0);
                var finalizers = meta.Arr("finalizers");
                if (!finalizers.Any(f => f?.ToString() == "foregroundDeletion"))
                {
                    finalizers.Add("foregroundDeletion");
                }

                return true;
            })!;
            cluster.Loop.Post(() => cluster.GarbageCollector.DeleteDependents(marked.Uid, "Foreground"));
            return marked;
        }

        if (type == ResourceCatalog.Pods && IsRunningOnNode(current) && gracePeriod != 0)
        {
            return MarkTerminating(current, gracePeriod);
        }

        if (current.ToNode().Obj("metadata")["finalizers"] is JsonArray { Count: > 0 })
        {
            return cluster.Store.Mutate(type, ns, name, o =>
            {
                o.Obj("metadata").SetDefault("deletionTimestamp", JsonDefaults.Time(DateTimeOffset.UtcNow));
                if (type == ResourceCatalog.Pods)
                {
                    // Nothing runs it (or a forced deletion): only its finalizers keep it (Controllers/PodRemoval.cs).
                    o.Obj("metadata").SetDefault("deletionGracePeriodSeconds", 0);
                }

                return true;
            })!;
        }

        return cluster.Store.Remove(type, ns, name) ?? throw ApiError.NotFound(type, name);
    }

    /// <summary>Deletes a pod the way a controller does (graceful, background), ignoring "already gone".</summary>
    public void DeletePodForController(StoredObject pod)
    {
        try
        {
            Delete(ResourceCatalog.Pods, pod.Namespace, pod.Name, "Background", null, dryRun: false, pod.Uid);
        }
        catch (ApiError)
        {
            // Deleted meanwhile.
        }
    }

    private static bool IsRunningOnNode(StoredObject pod) =>
        pod.GetString("spec.nodeName") is not null && pod.GetString("status.phase") is not ("Succeeded" or "Failed");

    private StoredObject MarkTerminating(StoredObject pod, long? gracePeriod)
    {
        var grace = gracePeriod ?? (pod.Root.GetProperty("spec").TryGetProperty("terminationGracePeriodSeconds", out var g) ? g.GetInt64() : 30);

        var updated = cluster.Store.Mutate(ResourceCatalog.Pods, pod.Namespace, pod.Name, o =>
        {
            var meta = o.Obj("metadata");
            if (meta["deletionTimestamp"] is not null)
            {
                return false;
            }

            meta["deletionTimestamp"] = JsonDefaults.Time(DateTimeOffset.UtcNow.AddSeconds(grace));
            meta["deletionGracePeriodSeconds"] = grace;
            return true;
        })!;
        return updated;
    }

    private void Orphan(StoredObject owner)
    {
        foreach (var (type, dependent) in Dependents(owner.Uid))
        {
            cluster.Store.Mutate(type, dependent.Namespace, dependent.Name, o =>
            {
                if (o.Obj("metadata")["ownerReferences"] is not JsonArray refs)
                {
                    return false;
                }

                foreach (var r in refs.OfType<JsonObject>().Where(r => r.Str("uid") == owner.Uid).ToList())
                {
                    refs.Remove(r);
                }

                if (refs.Count == 0)
                {
                    o.Obj("metadata").Remove("ownerReferences");
                }

                return true;
            });
        }
    }

    public List<(ResourceType Type, StoredObject Object)> Dependents(string ownerUid)
    {
        var result = new List<(ResourceType, StoredObject)>();
        foreach (var type in DependentTypes)
        {
            foreach (var o in cluster.Store.List(type, null, o => OwnedBy(o, ownerUid)).Items)
            {
                result.Add((type, o));
            }
        }

        return result;
    }

    private static bool OwnedBy(StoredObject o, string uid) =>
        o.Root.GetProperty("metadata").TryGetProperty("ownerReferences", out var refs) &&
        refs.EnumerateArray().Any(r => r.TryGetProperty("uid", out var u) && u.GetString() == uid);

    /// <summary>Namespace deletion: Terminating, then everything in it goes, then the namespace.</summary>
    private StoredObject DeleteNamespace(StoredObject ns)
    {
        var marked = cluster.Store.Mutate(ResourceCatalog.Namespaces, null, ns.Name, o =>
        {
            o.Obj("metadata").SetDefault("deletionTimestamp", JsonDefaults.Time(DateTimeOffset.UtcNow));
            o.Obj("status")["phase"] = "Terminating";
            return true;
        })!;
        cluster.Loop.Schedule(cluster.Step, () =>
        {
            foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced && t.Group != "events.k8s.io"))
            {
                foreach (var o in cluster.Store.List(type, ns.Name).Items)
                {
                    cluster.Store.Remove(type, o.Namespace, o.Name);
                }
            }

            cluster.Store.Remove(ResourceCatalog.Namespaces, null, ns.Name, ns.Uid);
        });
        return marked;
    }
}
