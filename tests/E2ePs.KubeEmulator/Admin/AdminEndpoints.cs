using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Admin;

/// <summary>A user token added through the admin API; RBAC decides what it may do.</summary>
public sealed class TokenRequest
{
    /// <summary>The bearer token; null generates one.</summary>
    public string? Token { get; set; }

    /// <summary>User name, e.g. "alice" or "system:serviceaccount:ns:runner".</summary>
    public string User { get; set; } = "";

    /// <summary>Groups besides system:authenticated; system:masters makes the user an admin.</summary>
    public IList<string> Groups { get; set; } = new List<string>();

    /// <summary>Seconds until the token expires (401 after); null: it never does.</summary>
    public double? LifetimeSeconds { get; set; }
}

/// <summary>The body of POST /_emulator/restart.</summary>
public sealed class RestartRequest
{
    /// <summary>"lose-history" (an API server restart) or "rewind" (an etcd restore from the last snapshot).</summary>
    public string Mode { get; set; } = "lose-history";
}

/// <summary>
/// /_emulator/…: stats, scenarios, faults, nodes, tokens (add, with an optional lifetime; expire), snapshot and restart as JSON (camelCase), with the admin bearer token.
/// </summary>
internal sealed class AdminEndpoints(Cluster cluster)
{
    public async Task HandleAsync(HttpContext ctx, string[] path)
    {
        var method = ctx.Request.Method;
        var stats = cluster.Stats;
        switch (path, method)
        {
            case (["stats"], "GET"):
                await WriteAsync(ctx, stats.Snapshot());
                break;
            case (["stats", "reset"], "POST"):
                stats.Reset();
                await WriteAsync(ctx, stats.Snapshot());
                break;
            case (["audit"], "GET"):
                await WriteAsync(ctx, cluster.Admission.AuditLog());
                break;
            case (["scenarios"], "GET"):
                await WriteAsync(ctx, cluster.Scenarios.All);
                break;
            case (["scenarios"], "PUT" or "POST"):
                cluster.Scenarios.Add(await ReadListAsync<ContainerScenario>(ctx, "scenarios"));
                await WriteAsync(ctx, cluster.Scenarios.All);
                break;
            case (["scenarios"], "DELETE"):
                cluster.Scenarios.Clear();
                await WriteAsync(ctx, cluster.Scenarios.All);
                break;
            case (["faults"], "GET"):
                await WriteAsync(ctx, cluster.Faults.Current);
                break;
            case (["faults"], "POST" or "PUT"):
                cluster.Faults.Set(await ReadAsync<FaultSettings>(ctx));
                await WriteAsync(ctx, cluster.Faults.Current);
                break;
            case (["faults"], "DELETE"):
                cluster.Faults.Clear();
                await WriteAsync(ctx, cluster.Faults.Current);
                break;
            case (["nodes"], "PUT" or "POST"):
                var nodes = await ReadListAsync<NodeSpec>(ctx, "nodes");
                cluster.Scheduler.SetNodes(nodes);
                await WriteAsync(ctx, nodes);
                break;
            case (["nodes", var lost, "lose"], "POST"):
                // The node's kubelet stops posting (Controllers/NodeLifecycle.cs).
                cluster.NodeLifecycle.Lose(lost);
                await WriteAsync(ctx, new { node = lost, lost = true });
                break;
            case (["nodes", var recovered, "recover"], "POST"):
                cluster.NodeLifecycle.Recover(recovered);
                await WriteAsync(ctx, new { node = recovered, lost = false });
                break;
            case (["tokens"], "POST" or "PUT"):
                var request = await ReadAsync<TokenRequest>(ctx);
                if (string.IsNullOrWhiteSpace(request.User))
                {
                    throw ApiError.BadRequest("user is required");
                }

                request.Token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
                cluster.Tokens.Add(request.Token, request.User, request.Groups, request.LifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
                await WriteAsync(ctx, request);
                break;
            case (["tokens", "expire"], "POST"):
                var expired = await ReadAsync<TokenRequest>(ctx);
                if (string.IsNullOrEmpty(expired.Token) || !cluster.Tokens.Expire(expired.Token))
                {
                    throw ApiError.BadRequest("token is required and must be known");
                }

                await WriteAsync(ctx, new { expired = true });
                break;
            case (["snapshot"], "POST"):
                await WriteAsync(ctx, new { resourceVersion = cluster.Store.Snapshot().ToString(System.Globalization.CultureInfo.InvariantCulture) });
                break;
            case (["restart"], "POST"):
                var mode = (await ReadAsync<RestartRequest>(ctx)).Mode switch
                {
                    "lose-history" => RestartMode.LoseHistory,
                    "rewind" => RestartMode.Rewind,
                    var other => throw ApiError.BadRequest($"restart mode must be \"lose-history\" or \"rewind\", not \"{other}\""),
                };
                var rv = cluster.Restart(mode);
                await WriteAsync(ctx, new { mode = mode == RestartMode.Rewind ? "rewind" : "lose-history", resourceVersion = rv.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                break;
            default:
                throw ApiError.NotFoundPath();
        }
    }

    private async Task WriteAsync<T>(HttpContext ctx, T value) =>
        await ResponseWriter.BytesAsync(ctx, cluster.Stats, 200, JsonSerializer.SerializeToUtf8Bytes(value, JsonDefaults.Web));

    private static async Task<T> ReadAsync<T>(HttpContext ctx)
        where T : new()
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(ctx.Request.Body, JsonDefaults.Web, ctx.RequestAborted) ?? new T();
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest(e.Message);
        }
    }

    /// <summary>Accepts a JSON array, a single object, or {"&lt;name&gt;": [ … ]}.</summary>
    private static async Task<List<T>> ReadListAsync<T>(HttpContext ctx, string wrapper)
    {
        try
        {
            var node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            if (node is JsonObject o && o[wrapper] is JsonArray wrapped)
            {
                node = wrapped;
            }

            return node switch
            {
                JsonArray a => a.Deserialize<List<T>>(JsonDefaults.Web) ?? [],
                JsonObject single => [single.Deserialize<T>(JsonDefaults.Web)!],
                _ => [],
            };
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest(e.Message);
        }
    }
}
