using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Watch;

/// <summary>
/// Streams watch events as newline-delimited JSON, flushed per event: resume from a resourceVersion, synthetic ADDED for
/// the current state, selector transitions (an object leaving the selection is DELETED for this watch), BOOKMARKs,
/// timeoutSeconds (without it, a random time in [MinRequestTimeout, 2 × MinRequestTimeout), as
/// staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go does), 410 Expired as an ERROR event,
/// "Too large resource version" for a resourceVersion the server has not reached (after an etcd restore),
/// a connection dropped by an API server restart, and the watch-closing faults.
/// </summary>
internal sealed class WatchStreamer(Cluster cluster)
{
    public async Task StreamAsync(HttpContext ctx, RequestInfo r)
    {
        var q = ctx.Request.Query;
        var selector = Selector.ParseLabels(q["labelSelector"]).And(Selector.ParseFields(q["fieldSelector"], r.Type.Kind));
        if (r.Name is not null)
        {
            selector = selector.And(Selector.ParseFields("metadata.name=" + r.Name));
        }

        var rvText = q["resourceVersion"].ToString();
        long? fromRv = rvText.Length == 0 ? null : long.TryParse(rvText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var rv) ? rv : throw ApiError.BadRequest($"invalid resource version: {rvText}");
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var timeout = double.TryParse(q["timeoutSeconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0
            ? TimeSpan.FromSeconds(t)
            : cluster.Options.MinRequestTimeout * (1 + Random.Shared.NextDouble());
        var faults = cluster.Faults.Current;
        if (faults.WatchCloseAfterSeconds > 0)
        {
            timeout = TimeSpan.FromSeconds(Math.Min(timeout.TotalSeconds, faults.WatchCloseAfterSeconds));
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        cluster.Stats.WatchOpened();
        try
        {
            if (fromRv is > 0 && cluster.Faults.TakeRewatchGone())
            {
                await WriteErrorAsync(ctx, ApiError.Expired(fromRv.Value, cluster.Store.CurrentResourceVersion));
                return;
            }

            // Past authentication and a parsed resourceVersion, the cacher reports errors as an ERROR event
            // (staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go, Watch: newErrWatcher).
            if (fromRv is > 0 && await TooLargeAsync(fromRv.Value, ctx.RequestAborted) is { } tooLarge)
            {
                await WriteErrorAsync(ctx, tooLarge);
                return;
            }

            WatchSubscription subscription;
            try
            {
                subscription = cluster.Store.Subscribe(r.Type, r.Namespace, fromRv);
            }
            catch (ApiError e) when (e.Code == 410)
            {
                await WriteErrorAsync(ctx, e);
                return;
            }

            using (subscription)
            {
                // A restart drops the connection: the client sees a reset, not a clean end of the stream.
                using var severed = subscription.Severed.Register(ctx.Abort);
                await PumpAsync(ctx, r, subscription, selector, bookmarks, timeout, faults.WatchCloseAfterEvents);
            }
        }
        finally
        {
            cluster.Stats.WatchClosed();
        }
    }

    private async Task PumpAsync(HttpContext ctx, RequestInfo r, WatchSubscription sub, Selector selector, bool bookmarks, TimeSpan timeout, int closeAfterEvents)
    {
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var nextBookmark = NextBookmark(DateTimeOffset.UtcNow, deadline);
        var lastRv = sub.StartRv;
        var sent = 0;
        var reader = sub.Channel.Reader;
        var asTable = TablePrinter.Wanted(ctx);
        var firstTable = true;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        while (!ctx.RequestAborted.IsCancellationRequested)
        {
            while (reader.TryRead(out var e))
            {
                lastRv = Math.Max(lastRv, e.ResourceVersion);
                var type = Transition(e, selector);
                if (type is null)
                {
                    continue;
                }

                await WriteEventAsync(ctx, type, asTable ? TableRow(r, e.Object, ref firstTable) : ResourceHandlers.Render(r, e.Object));
                if (closeAfterEvents > 0 && ++sent >= closeAfterEvents)
                {
                    return;
                }
            }

            var now = DateTimeOffset.UtcNow;
            if (now >= deadline)
            {
                if (bookmarks)
                {
                    await WriteBookmarkAsync(ctx, r, sub, lastRv);
                }

                return;
            }

            if (bookmarks && now >= nextBookmark)
            {
                lastRv = await WriteBookmarkAsync(ctx, r, sub, lastRv);
                nextBookmark = NextBookmark(now, deadline);
            }

            var wake = bookmarks && nextBookmark < deadline ? nextBookmark : deadline;
            var wait = wake - DateTimeOffset.UtcNow;
            if (wait <= TimeSpan.Zero)
            {
                continue;
            }

            try
            {
                using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
                waitCts.CancelAfter(wait);
                await reader.WaitToReadAsync(waitCts.Token);
            }
            catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
            {
                // Time for a bookmark or the end of the watch.
            }
        }
    }

    /// <summary>
    /// Every bookmark interval, and 2 s before the deadline so that a client resumes from close to now
    /// (staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go, nextBookmarkTime); past that, at the deadline.
    /// </summary>
    private DateTimeOffset NextBookmark(DateTimeOffset now, DateTimeOffset deadline)
    {
        var next = now + cluster.Options.BookmarkInterval;
        var beforeTimeout = deadline - TimeSpan.FromSeconds(2);
        return beforeTimeout > now && beforeTimeout < next ? beforeTimeout : next;
    }

    /// <summary>
    /// A watch from a resourceVersion the server has not reached (a client that saw etcd before a restore)
    /// waits for it, then gets 504 Timeout with cause ResourceVersionTooLarge
    /// (staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go, waitUntilFreshAndBlock;
    /// staging/src/k8s.io/apiserver/pkg/storage/errors.go, NewTooLargeResourceVersionError).
    /// </summary>
    private async Task<ApiError?> TooLargeAsync(long fromRv, CancellationToken cancellationToken)
    {
        var giveUp = DateTimeOffset.UtcNow + cluster.Options.TooLargeResourceVersionWait;
        long current;
        while ((current = cluster.Store.CurrentResourceVersion) < fromRv)
        {
            if (DateTimeOffset.UtcNow >= giveUp)
            {
                var details = new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
                    ["retryAfterSeconds"] = 1,
                };
                return new ApiError(504, "Timeout", string.Create(CultureInfo.InvariantCulture, $"Timeout: Too large resource version: {fromRv}, current: {current}"), details);
            }

            // The emulator's own wait for the store to catch up (the cacher waits on a condition variable).
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        return null;
    }

    /// <summary>kubectl get -w asks for Table events: one row each, the column definitions only with the first.</summary>
    private static byte[] TableRow(RequestInfo r, StoredObject o, ref bool first)
    {
        var table = TablePrinter.Table(r.Type, [o], o.ResourceVersion);
        if (!first)
        {
            table["columnDefinitions"] = new JsonArray();
        }

        first = false;
        return JsonDefaults.ToBytes(table);
    }

    /// <summary>What this watch sees of a store event, given its selector (null: nothing).</summary>
    private static string? Transition(StoreEvent e, Selector selector)
    {
        if (selector.IsEmpty)
        {
            return e.Type;
        }

        var now = selector.Matches(e.Object);
        var before = e.Previous is not null && selector.Matches(e.Previous);
        return e.Type switch
        {
            "ADDED" => now ? "ADDED" : null,
            "DELETED" => now || before ? "DELETED" : null,
            _ when now && before => "MODIFIED",
            _ when now => "ADDED",
            _ when before => "DELETED",
            _ => null,
        };
    }

    /// <summary>A bookmark may only carry a resourceVersion whose events were all delivered: read the RV, then check the queue is empty.</summary>
    private async Task<long> WriteBookmarkAsync(HttpContext ctx, RequestInfo r, WatchSubscription sub, long lastRv)
    {
        var current = cluster.Store.CurrentResourceVersion;
        var rv = sub.Channel.Reader.Count == 0 ? Math.Max(current, lastRv) : lastRv;
        var obj = new JsonObject
        {
            ["kind"] = r.Type.Kind,
            ["apiVersion"] = r.Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
        };
        await WriteEventAsync(ctx, "BOOKMARK", JsonDefaults.ToBytes(obj));
        return rv;
    }

    private Task WriteErrorAsync(HttpContext ctx, ApiError error) =>
        WriteEventAsync(ctx, "ERROR", JsonDefaults.ToBytes(error.ToStatus()));

    private async Task WriteEventAsync(HttpContext ctx, string type, byte[] obj)
    {
        var head = Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"object\":");
        var writer = ctx.Response.BodyWriter;
        writer.Write(head);
        writer.Write(obj);
        writer.Write("}\n"u8);
        cluster.Stats.BytesWritten(head.Length + obj.Length + 2);
        await writer.FlushAsync(ctx.RequestAborted);
    }
}
