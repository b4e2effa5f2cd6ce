using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Auth;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Http;

/// <summary>get, list, create, update, patch (merge, strategic, JSON, apply), delete and deletecollection.</summary>
internal sealed class ResourceHandlers(Cluster cluster, RbacAuthorizer authorizer)
{
    private const string EventsV1Group = "events.k8s.io";
    private readonly EscalationCheck _escalation = new(authorizer, cluster.Store);

    private static bool IsEventsV1(RequestInfo r) => r.Type.Group == EventsV1Group;

    /// <summary>The bytes a client gets for a stored object (events.k8s.io gets its view of a core Event).</summary>
    public static byte[] Render(RequestInfo r, StoredObject o) =>
        IsEventsV1(r) ? JsonDefaults.ToBytes(EventConversion.ToEventsV1(o.ToNode())) : o.Json;

    private Task WriteAsync(HttpContext ctx, RequestInfo r, int code, StoredObject o) =>
        ResponseWriter.BytesAsync(ctx, cluster.Stats, code, Render(r, o));

    public async Task GetAsync(HttpContext ctx, RequestInfo r)
    {
        var o = cluster.Store.Get(r.Type, r.Namespace, r.Name!) ?? throw ApiError.NotFound(r.Type, r.Name!);
        if (TablePrinter.Wanted(ctx))
        {
            await ResponseWriter.JsonAsync(ctx, cluster.Stats, 200, TablePrinter.Table(r.Type, [o], o.ResourceVersion));
            return;
        }

        await WriteAsync(ctx, r, 200, o);
    }

    public async Task ListAsync(HttpContext ctx, RequestInfo r)
    {
        var selector = Selector.ParseLabels(ctx.Request.Query["labelSelector"]).And(Selector.ParseFields(ctx.Request.Query["fieldSelector"], r.Type.Kind));
        var (all, rv) = cluster.Store.List(r.Type, r.Namespace, selector.IsEmpty ? null : selector.Matches);
        var page = ListPaging.Slice(ctx.Request.Query, all, !selector.IsEmpty, rv, cluster.Options.ContinueTokenLifetime);
        var items = page.Items;
        rv = page.ResourceVersion ?? rv;
        if (TablePrinter.Wanted(ctx))
        {
            var table = TablePrinter.Table(r.Type, items, rv);
            if (page.Continue is not null)
            {
                table["metadata"]!["continue"] = page.Continue;
            }

            await ResponseWriter.JsonAsync(ctx, cluster.Stats, 200, table);
            return;
        }

        await ResponseWriter.ListAsync(ctx, cluster.Stats, r.Type.ListKind, r.Type.ApiVersion, rv, items.Select(o => Render(r, o)), page.Continue, page.RemainingItemCount);
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentType?.StartsWith(ProtobufDecoder.ContentType, StringComparison.Ordinal) == true)
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            return ProtobufDecoder.Decode(buffer.ToArray());
        }

        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ApiError.BadRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        }

        return Patching.ParseBody(text) as JsonObject ?? throw ApiError.BadRequest("the object provided is unrecognized");
    }

    private static bool DryRun(HttpContext ctx) => ctx.Request.Query["dryRun"].Any(v => v == "All");

    private static string FieldManager(HttpContext ctx, string fallbackPrefix = "")
    {
        var m = ctx.Request.Query["fieldManager"].ToString();
        if (m.Length > 0)
        {
            return m;
        }

        // As the real server: without fieldManager the user agent's program name is the manager.
        var agent = ctx.Request.Headers.UserAgent.ToString();
        var name = agent.Split('/')[0];
        return fallbackPrefix + (name.Length > 0 ? name : "unknown");
    }

    private static void CheckIdentity(RequestInfo r, JsonObject body, bool nameFromPath)
    {
        var meta = body.Obj("metadata");
        body.SetDefault("kind", r.Type.Kind);
        body.SetDefault("apiVersion", r.Type.ApiVersion);
        if (body.Str("kind") != r.Type.Kind)
        {
            throw ApiError.BadRequest($"the object provided is unrecognized (kind {body.Str("kind")} is not {r.Type.Kind})");
        }

        if (r.Type.Namespaced)
        {
            var bodyNs = meta.Str("namespace");
            if (bodyNs is not null && r.Namespace is not null && bodyNs != r.Namespace)
            {
                throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = r.Namespace ?? bodyNs ?? "default";
        }
        else
        {
            meta.Remove("namespace");
        }

        if (nameFromPath && r.Name is not null)
        {
            var bodyName = meta.Str("name");
            if (bodyName is not null && bodyName != r.Name)
            {
                throw ApiError.BadRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + r.Name + ")");
            }

            meta["name"] = r.Name;
        }
    }

    private static void SetManagedFields(JsonObject obj, string manager, string operation, JsonObject applied, string apiVersion, JsonObject? previous)
    {
        var meta = obj.Obj("metadata");
        var entries = previous?.Obj("metadata")["managedFields"]?.DeepClone() as JsonArray ?? new JsonArray();
        var fields = Patching.FieldSet(applied);
        var existing = entries.OfType<JsonObject>().FirstOrDefault(e => e.Str("manager") == manager && e.Str("operation") == operation);
        var time = existing is not null && JsonNode.DeepEquals(existing["fieldsV1"], fields) ? existing.Str("time") : JsonDefaults.Time(DateTimeOffset.UtcNow);
        var entry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = operation,
            ["apiVersion"] = apiVersion,
            ["time"] = time,
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        };
        if (existing is not null)
        {
            entries[entries.IndexOf(existing)] = entry;
        }
        else
        {
            entries.Add(entry);
        }

        meta["managedFields"] = entries;
    }

    private static void ApplyGenerateName(ResourceType type, JsonObject meta)
    {
        if (meta.Str("name") is null && meta.Str("generateName") is { } prefix)
        {
            const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
            var suffix = new string(Enumerable.Range(0, 5).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
            meta["name"] = prefix + suffix;
        }

        if (meta.Str("name") is null)
        {
            throw ApiError.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
        }
    }

    public async Task CreateAsync(HttpContext ctx, RequestInfo r, UserInfo user)
    {
        var body = await ReadBodyAsync(ctx);
        if (r.Type.Plural == "selfsubjectaccessreviews")
        {
            await SelfSubjectAccessReviewAsync(ctx, body, user);
            return;
        }

        if (r.Subresource is not null || r.Name is not null)
        {
            throw ApiError.MethodNotAllowed();
        }

        if (IsEventsV1(r))
        {
            CheckIdentity(r, body, false);
            body = EventConversion.ToCore(body);
        }

        var type = IsEventsV1(r) ? ResourceCatalog.Events : r.Type;
        CheckIdentity(r with { Type = type }, body, false);
        var meta = body.Obj("metadata");
        ApplyGenerateName(type, meta);
        if (type.Namespaced && !cluster.Store.NamespaceExists(meta.Str("namespace")!))
        {
            throw ApiError.NamespaceNotFound(meta.Str("namespace")!);
        }

        if (type == ResourceCatalog.Namespaces && cluster.Store.Get(type, null, meta.Str("name")!) is not null)
        {
            throw ApiError.AlreadyExists(type, meta.Str("name")!);
        }

        _escalation.Check(user, type, body);
        body.Remove("status");
        cluster.Defaults.OnCreate(type, body);
        cluster.Admission.AdmitRequest(ctx, type, body, create: true);
        SetManagedFields(body, FieldManager(ctx), "Update", body.DeepClone().AsObject(), type.ApiVersion, null);
        var stored = cluster.Store.Create(type, body, DryRun(ctx));
        await WriteAsync(ctx, r, 201, stored);
    }

    private async Task SelfSubjectAccessReviewAsync(HttpContext ctx, JsonObject body, UserInfo user)
    {
        var attrs = body.Obj("spec")["resourceAttributes"] as JsonObject;
        var allowed = attrs is null || authorizer.Allows(user, new AccessRequest(
            attrs.Str("verb") ?? "", attrs.Str("group") ?? "", attrs.Str("resource") ?? "", string.IsNullOrEmpty(attrs.Str("subresource")) ? null : attrs.Str("subresource"),
            string.IsNullOrEmpty(attrs.Str("namespace")) ? null : attrs.Str("namespace"), string.IsNullOrEmpty(attrs.Str("name")) ? null : attrs.Str("name")));
        body["kind"] = "SelfSubjectAccessReview";
        body["apiVersion"] = "authorization.k8s.io/v1";
        body["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        var status = new JsonObject { ["allowed"] = allowed };
        if (allowed && !user.IsAdmin)
        {
            status["reason"] = "RBAC: allowed";
        }

        body["status"] = status;
        await ResponseWriter.JsonAsync(ctx, cluster.Stats, 201, body);
    }

    public async Task UpdateAsync(HttpContext ctx, RequestInfo r, UserInfo user)
    {
        var body = await ReadBodyAsync(ctx);
        var type = IsEventsV1(r) ? ResourceCatalog.Events : r.Type;
        if (IsEventsV1(r))
        {
            CheckIdentity(r, body, true);
            body = EventConversion.ToCore(body);
        }

        CheckIdentity(r with { Type = type }, body, true);
        var current = cluster.Store.Get(type, r.Namespace, r.Name!) ?? throw ApiError.NotFound(r.Type, r.Name!);
        var currentNode = current.ToNode();
        body = ScopeToSubresource(r, body, currentNode);
        CheckImmutable(type, currentNode, body);
        _escalation.Check(user, type, body);
        AdmitUpdate(ctx, r, type, body);
        SetManagedFields(body, FieldManager(ctx), "Update", body.DeepClone().AsObject(), type.ApiVersion, currentNode);
        var expected = body.Obj("metadata").Str("resourceVersion");
        var stored = cluster.Store.Update(type, body, expected, DryRun(ctx));
        await WriteAsync(ctx, r, 200, FinishIfDeleted(stored));
    }

    /// <summary>Admission of an update of the main resource (subresources such as status are not admitted, as upstream's PodSecurity skips them).</summary>
    private void AdmitUpdate(HttpContext ctx, RequestInfo r, ResourceType type, JsonObject body)
    {
        if (r.Subresource is null)
        {
            cluster.Admission.AdmitRequest(ctx, type, body, create: false);
        }
    }

    /// <summary>Fields the API server refuses to change after create (422 Invalid, "field is immutable").</summary>
    private static void CheckImmutable(ResourceType type, JsonObject current, JsonObject updated)
    {
        EscalationCheck.CheckRoleRefUnchanged(type, current, updated);
        if (type != ResourceCatalog.Jobs)
        {
            return;
        }

        var name = current.Obj("metadata").Str("name") ?? "";
        foreach (var field in new[] { "template", "selector", "completionMode" })
        {
            if (!JsonNode.DeepEquals(current["spec"]?[field], updated["spec"]?[field]))
            {
                throw ApiError.Invalid(type, name, $"spec.{field}: Invalid value: {updated["spec"]?[field]?.ToJsonString() ?? "null"}: field is immutable");
            }
        }
    }

    /// <summary>The main resource ignores status changes; the status subresource changes only status.</summary>
    private static JsonObject ScopeToSubresource(RequestInfo r, JsonObject updated, JsonObject current)
    {
        if (r.Subresource == "status")
        {
            var result = current.DeepClone().AsObject();
            result["status"] = updated["status"]?.DeepClone();
            result.Obj("metadata")["resourceVersion"] = updated.Obj("metadata")["resourceVersion"]?.DeepClone();
            return result;
        }

        if (r.Type.Subresources.Contains("status") && r.Type.Kind != "Namespace")
        {
            updated["status"] = current["status"]?.DeepClone();
        }

        return updated;
    }

    /// <summary>An update that removed the last finalizer of an object being deleted completes the deletion.</summary>
    private StoredObject FinishIfDeleted(StoredObject stored)
    {
        if (stored.Type == ResourceCatalog.Pods)
        {
            // A pod also waits for its kubelet: it goes only once nothing runs it (Controllers/PodRemoval.cs).
            Controllers.PodRemoval.RemoveIfReleased(cluster, stored);
            return stored;
        }

        if (stored.HasDeletionTimestamp && stored.Type != ResourceCatalog.Pods &&
            !(stored.Root.GetProperty("metadata").TryGetProperty("finalizers", out var f) && f.GetArrayLength() > 0))
        {
            return cluster.Store.Remove(stored.Type, stored.Namespace, stored.Name, stored.Uid) ?? stored;
        }

        return stored;
    }

    public async Task PatchAsync(HttpContext ctx, RequestInfo r, UserInfo user)
    {
        var contentType = ctx.Request.ContentType?.Split(';')[0].Trim() ?? "";
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        var type = IsEventsV1(r) ? ResourceCatalog.Events : r.Type;
        if (contentType == "application/apply-patch+yaml")
        {
            await ApplyAsync(ctx, r, type, text, user);
            return;
        }

        var current = cluster.Store.Get(type, r.Namespace, r.Name!) ?? throw ApiError.NotFound(r.Type, r.Name!);
        var currentNode = IsEventsV1(r) ? EventConversion.ToEventsV1(current.ToNode()) : current.ToNode();
        var patch = Patching.ParseBody(text);
        JsonNode patched = contentType switch
        {
            "application/merge-patch+json" => Patching.MergePatch(currentNode, patch, strategic: false)!,
            "application/strategic-merge-patch+json" => Patching.MergePatch(currentNode, patch, strategic: true)!,
            "application/json-patch+json" => Patching.ApplyJsonPatch(currentNode, patch as JsonArray ?? throw ApiError.BadRequest("json patch must be an array")),
            _ => throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
        };
        var body = patched.AsObject();
        if (IsEventsV1(r))
        {
            body = EventConversion.ToCore(body);
        }

        CheckIdentity(r with { Type = type }, body, true);
        body = ScopeToSubresource(r, body, current.ToNode());
        CheckImmutable(type, current.ToNode(), body);
        _escalation.Check(user, type, body);
        AdmitUpdate(ctx, r, type, body);
        var expected = patch is JsonObject po ? po["metadata"].Str("resourceVersion") : null;
        if (!JsonNode.DeepEquals(currentNode, patched))
        {
            SetManagedFields(body, FieldManager(ctx), "Update", patch as JsonObject ?? new JsonObject(), type.ApiVersion, current.ToNode());
        }

        var stored = cluster.Store.Update(type, body, expected, DryRun(ctx));
        await WriteAsync(ctx, r, 200, FinishIfDeleted(stored));
    }

    /// <summary>Server-side apply: creates when absent, otherwise merges the applied configuration; a repeated apply changes nothing.</summary>
    private async Task ApplyAsync(HttpContext ctx, RequestInfo r, ResourceType type, string text, UserInfo user)
    {
        var manager = ctx.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            throw new ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        }

        var applied = Patching.ParseBody(text) as JsonObject ?? throw ApiError.BadRequest("the object provided is unrecognized");
        if (applied.Str("apiVersion") is null || applied.Str("kind") is null)
        {
            throw ApiError.BadRequest("apiVersion and kind must be set in an apply patch");
        }

        if (IsEventsV1(r))
        {
            applied = EventConversion.ToCore(applied);
        }

        CheckIdentity(r with { Type = type }, applied, true);
        var current = cluster.Store.Get(type, r.Namespace, r.Name!);
        var dryRun = DryRun(ctx);
        if (current is null)
        {
            if (type.Namespaced && !cluster.Store.NamespaceExists(applied.Obj("metadata").Str("namespace")!))
            {
                throw ApiError.NamespaceNotFound(applied.Obj("metadata").Str("namespace")!);
            }

            var created = applied.DeepClone().AsObject();
            _escalation.Check(user, type, created);
            created.Remove("status");
            cluster.Defaults.OnCreate(type, created);
            cluster.Admission.AdmitRequest(ctx, type, created, create: true);
            SetManagedFields(created, manager, "Apply", applied, type.ApiVersion, null);
            await WriteAsync(ctx, r, 201, cluster.Store.Create(type, created, dryRun));
            return;
        }

        var currentNode = current.ToNode();
        var merged = Patching.MergePatch(currentNode, WithoutServerFields(applied), strategic: true)!.AsObject();
        merged = ScopeToSubresource(r, merged, currentNode);
        CheckImmutable(type, currentNode, merged);
        _escalation.Check(user, type, merged);
        AdmitUpdate(ctx, r, type, merged);
        SetManagedFields(merged, manager, "Apply", applied, type.ApiVersion, currentNode);
        var expected = applied.Obj("metadata").Str("resourceVersion");
        await WriteAsync(ctx, r, 200, cluster.Store.Update(type, merged, expected, dryRun));
    }

    private static JsonObject WithoutServerFields(JsonObject applied)
    {
        var copy = applied.DeepClone().AsObject();
        var meta = copy.Obj("metadata");
        foreach (var field in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation" })
        {
            meta.Remove(field);
        }

        return copy;
    }

    public async Task DeleteAsync(HttpContext ctx, RequestInfo r)
    {
        var (propagation, grace, dryRun, uid) = await DeleteOptionsAsync(ctx);
        var type = IsEventsV1(r) ? ResourceCatalog.Events : r.Type;
        var deleted = cluster.Deleter.Delete(type, r.Namespace, r.Name!, propagation, grace, dryRun, uid);
        await WriteAsync(ctx, r, 200, deleted);
    }

    public async Task DeleteCollectionAsync(HttpContext ctx, RequestInfo r)
    {
        var (propagation, grace, dryRun, _) = await DeleteOptionsAsync(ctx);
        var type = IsEventsV1(r) ? ResourceCatalog.Events : r.Type;
        var selector = Selector.ParseLabels(ctx.Request.Query["labelSelector"]).And(Selector.ParseFields(ctx.Request.Query["fieldSelector"], r.Type.Kind));
        var (items, _) = cluster.Store.List(type, r.Namespace, selector.IsEmpty ? null : selector.Matches);
        var deleted = new List<byte[]>();
        foreach (var o in items)
        {
            try
            {
                deleted.Add(Render(r, cluster.Deleter.Delete(type, o.Namespace, o.Name, propagation, grace, dryRun)));
            }
            catch (ApiError e) when (e.Code == 404)
            {
                // Deleted concurrently.
            }
        }

        await ResponseWriter.ListAsync(ctx, cluster.Stats, r.Type.ListKind, r.Type.ApiVersion, cluster.Store.CurrentResourceVersion, deleted);
    }

    private static async Task<(string? Propagation, long? Grace, bool DryRun, string? Uid)> DeleteOptionsAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        string? propagation = q["propagationPolicy"].ToString() is { Length: > 0 } p ? p : null;
        long? grace = long.TryParse(q["gracePeriodSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : null;
        var dryRun = DryRun(ctx);
        string? uid = null;
        if (q["orphanDependents"] == "true")
        {
            propagation ??= "Orphan";
        }

        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        if (!string.IsNullOrWhiteSpace(text) && Patching.ParseBody(text) is JsonObject options)
        {
            propagation = options.Str("propagationPolicy") ?? propagation;
            grace = options.Num("gracePeriodSeconds") ?? grace;
            dryRun |= options["dryRun"] is JsonArray d && d.Any(v => v?.ToString() == "All");
            uid = options["preconditions"].Str("uid");
            if (options["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var o))
            {
                propagation ??= o ? "Orphan" : "Background";
            }
        }

        return (propagation, grace, dryRun, uid);
    }
}
