using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Admin;
using E2ePs.KubeEmulator.Auth;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Logs;
using E2ePs.KubeEmulator.Watch;

namespace E2ePs.KubeEmulator.Http;

/// <summary>
/// The request pipeline of the API server: authentication (401), the admin endpoint, fault injection,
/// discovery, authorization (403 worded like RBAC's), then the resource verbs, watch and logs.
/// </summary>
internal sealed class ApiServer
{
    private readonly Cluster _cluster;
    private readonly RbacAuthorizer _authorizer;
    private readonly ResourceHandlers _resources;
    private readonly WatchStreamer _watch;
    private readonly LogStreamer _logs;
    private readonly AdminEndpoints _admin;
    private readonly EvictionHandler _eviction;

    public ApiServer(Cluster cluster)
    {
        _cluster = cluster;
        _authorizer = new RbacAuthorizer(cluster.Store);
        _resources = new ResourceHandlers(cluster, _authorizer);
        _watch = new WatchStreamer(cluster);
        _logs = new LogStreamer(cluster);
        _admin = new AdminEndpoints(cluster);
        _eviction = new EvictionHandler(cluster);
    }

    public string ServerAddress { get; set; } = "127.0.0.1:0";

    public async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            await HandleCoreAsync(ctx);
        }
        catch (ApiError e)
        {
            if (!ctx.Response.HasStarted)
            {
                await ResponseWriter.StatusAsync(ctx, _cluster.Stats, e);
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (IOException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug in the emulator: answer as the API server answers a panic, and say what happened.
            await Console.Error.WriteLineAsync($"emulator: {ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}: {e}");
            if (!ctx.Response.HasStarted)
            {
                await ResponseWriter.StatusAsync(ctx, _cluster.Stats, new ApiError(500, "InternalError", "Internal error occurred: " + e.Message));
            }
        }
    }

    private async Task HandleCoreAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var user = _cluster.Tokens.Authenticate(ctx.Request.Headers.Authorization);
        if (user is null)
        {
            throw ApiError.Unauthorized();
        }

        // Impersonation (kubectl --as, --as-group), allowed to the admin as to cluster-admin on a real cluster.
        var impersonate = ctx.Request.Headers["Impersonate-User"].ToString();
        if (impersonate.Length > 0 && user.IsAdmin && !(segments.Length > 0 && segments[0] == "_emulator"))
        {
            user = new UserInfo(impersonate, [.. ctx.Request.Headers["Impersonate-Group"].Select(g => g ?? ""), "system:authenticated"], false);
        }

        if (segments.Length > 0 && segments[0] == "_emulator")
        {
            if (!user.IsAdmin)
            {
                throw new ApiError(403, "Forbidden", "the emulator admin endpoint needs the admin token");
            }

            await _admin.HandleAsync(ctx, segments[1..]);
            return;
        }

        // An API server restart drops every connection it holds (a reset for the client), logs and watches alike.
        using var restart = _cluster.OnRestart(ctx.Abort);
        var watchParam = ctx.Request.Query["watch"] is var w && (w == "true" || w == "1");
        var info = RequestInfo.Parse(ctx.Request.Method, segments, watchParam);
        _cluster.Stats.Request(info?.Verb ?? "get", info?.ResourceLabel ?? "nonresource");
        await InjectFaultsAsync(ctx, info);
        if (info is null)
        {
            await DiscoveryAsync(ctx, segments);
            return;
        }

        if (!_authorizer.Allows(user, new AccessRequest(info.Verb, info.Type.Group, info.Type.Plural, info.Subresource, info.Namespace, info.Name)))
        {
            throw ApiError.Forbidden(info.Type, info.Subresource, info.Name, user.Name, info.Verb, info.Namespace);
        }

        await DispatchAsync(ctx, info, user);
    }

    private async Task InjectFaultsAsync(HttpContext ctx, RequestInfo? info)
    {
        var faults = _cluster.Faults;
        var latency = faults.Current.LatencyMs;
        if (latency > 0)
        {
            await Task.Delay(latency, ctx.RequestAborted);
        }

        if (info is null)
        {
            return;
        }

        if (faults.TakeReset())
        {
            ctx.Abort();
            throw new OperationCanceledException("connection reset by fault injection", ctx.RequestAborted);
        }

        if (faults.TakeTooManyRequests(out var retryAfter))
        {
            var details = new JsonObject { ["retryAfterSeconds"] = retryAfter };
            throw new ApiError(429, "TooManyRequests", "Too many requests, please try again later.", details) { RetryAfterSeconds = retryAfter };
        }

        if (faults.TakeServerError(info.Verb, info.ResourceLabel, out var code))
        {
            throw code == 503
                ? new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request")
                : new ApiError(500, "InternalError", "Internal error occurred: injected fault");
        }
    }

    private Task DispatchAsync(HttpContext ctx, RequestInfo info, UserInfo user)
    {
        if (info.Subresource == "log")
        {
            return info.Verb == "get" ? _logs.StreamAsync(ctx, info) : throw ApiError.MethodNotAllowed();
        }

        if (info.Subresource == "eviction" && info.Type == ResourceCatalog.Pods)
        {
            return info.Verb == "create" ? _eviction.EvictAsync(ctx, info) : throw ApiError.MethodNotAllowed();
        }

        if (info.Subresource is not null && !info.Type.Subresources.Contains(info.Subresource))
        {
            throw ApiError.NotFoundPath();
        }

        if (info.Type.Plural == "selfsubjectaccessreviews" && info.Verb != "create")
        {
            throw ApiError.MethodNotAllowed();
        }

        return info.Verb switch
        {
            "get" => _resources.GetAsync(ctx, info),
            "list" => _resources.ListAsync(ctx, info),
            "watch" => _watch.StreamAsync(ctx, info),
            "create" => _resources.CreateAsync(ctx, info, user),
            "update" => _resources.UpdateAsync(ctx, info, user),
            "patch" => _resources.PatchAsync(ctx, info, user),
            "delete" => _resources.DeleteAsync(ctx, info),
            "deletecollection" => _resources.DeleteCollectionAsync(ctx, info),
            _ => throw ApiError.MethodNotAllowed(),
        };
    }

    private Task DiscoveryAsync(HttpContext ctx, string[] segments)
    {
        var stats = _cluster.Stats;
        JsonNode? doc = segments switch
        {
            [] => new JsonObject { ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version") },
            ["version"] => DiscoveryDocuments.Version(),
            ["api"] => DiscoveryDocuments.CoreVersions(ServerAddress),
            ["api", var v] => DiscoveryDocuments.ResourceList("", v),
            ["apis"] => DiscoveryDocuments.GroupList(),
            ["apis", var g] => DiscoveryDocuments.Group(g),
            ["apis", var g, var v] => DiscoveryDocuments.ResourceList(g, v),
            ["openapi", "v3"] => OpenApiDocuments.Root(),
            ["openapi", "v3", .. var rest] => OpenApiDocuments.GroupVersion(rest),
            _ => null,
        };
        if (segments is ["healthz" or "livez" or "readyz", ..])
        {
            return ResponseWriter.BytesAsync(ctx, stats, 200, "ok"u8.ToArray(), "text/plain; charset=utf-8");
        }

        return doc is null
            ? ResponseWriter.StatusAsync(ctx, stats, ApiError.NotFoundPath())
            : ResponseWriter.JsonAsync(ctx, stats, 200, doc);
    }
}
