using System.Text;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Controllers;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Http;

/// <summary>
/// POST pods/{name}/eviction with a policy/v1 Eviction (kubectl drain, the cluster autoscaler), after
/// kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go: the Eviction's name must be the pod's; a pod already
/// being deleted is deleted again (the grace period may shorten); otherwise the pod gets the DisruptionTarget condition
/// (EvictionByEvictionAPI, "Eviction API: evicting") and is deleted with the Eviction's deleteOptions (grace period,
/// UID precondition, dry run). There are no PodDisruptionBudgets here, so no eviction is refused with 429.
/// The answer is 201 with a Success Status.
/// </summary>
internal sealed class EvictionHandler(Cluster cluster)
{
    public async Task EvictAsync(HttpContext ctx, RequestInfo r)
    {
        var eviction = await ReadAsync(ctx);
        var name = r.Name!;
        var evictionName = eviction.Obj("metadata").Str("name");
        if (evictionName != name)
        {
            throw ApiError.BadRequest($"name in URL does not match name in Eviction object");
        }

        var pod = cluster.Store.Get(ResourceCatalog.Pods, r.Namespace, name) ?? throw ApiError.NotFound(ResourceCatalog.Pods, name);
        var options = eviction["deleteOptions"] as JsonObject ?? new JsonObject();
        var dryRun = ctx.Request.Query["dryRun"].Any(v => v == "All") || (options["dryRun"] as JsonArray)?.Any(v => v?.ToString() == "All") == true;
        var uid = options["preconditions"]?.Str("uid");
        if (uid is not null && uid != pod.Uid)
        {
            throw new ApiError(409, "Conflict", $"Operation cannot be fulfilled on pods \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {pod.Uid}", ApiError.DetailsFor(ResourceCatalog.Pods, name));
        }

        if (!dryRun && !pod.HasDeletionTimestamp && pod.GetString("status.phase") is not ("Succeeded" or "Failed"))
        {
            Disruption.AddCondition(cluster, pod, "EvictionByEvictionAPI", "Eviction API: evicting");
        }

        cluster.Deleter.Delete(ResourceCatalog.Pods, r.Namespace, name, options.Str("propagationPolicy"), options.Num("gracePeriodSeconds"), dryRun, pod.Uid);
        var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 };
        await ResponseWriter.JsonAsync(ctx, cluster.Stats, 201, status);
    }

    private static async Task<JsonObject> ReadAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        if (ctx.Request.ContentType?.StartsWith(ProtobufDecoder.ContentType, StringComparison.Ordinal) == true)
        {
            return ProtobufDecoder.Decode(buffer.ToArray());
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        var body = string.IsNullOrWhiteSpace(text) ? null : Patching.ParseBody(text) as JsonObject;
        // As the API server decodes it: a body without kind gets the endpoint's (policy/v1 Eviction).
        if (body is null || body.Str("kind") is not (null or "Eviction"))
        {
            throw ApiError.BadRequest("the body of the request must be a policy/v1 Eviction");
        }

        return body;
    }
}
