using System.Globalization;
using System.Text.Json;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Logs;

/// <summary>
/// GET pods/{name}/log: container choice and the API server's 400s, previous, timestamps, sinceTime/sinceSeconds,
/// tailLines, limitBytes and follow. Lines are copied into large buffers and flushed in big chunks, so bulk logs
/// go at memory speed; a follow polls the timeline a few times per time step.
/// </summary>
internal sealed class LogStreamer(Cluster cluster)
{
    private const int ChunkSize = 256 * 1024;

    public async Task StreamAsync(HttpContext ctx, RequestInfo r)
    {
        var pod = cluster.Store.Get(ResourceCatalog.Pods, r.Namespace, r.Name!) ?? throw ApiError.NotFound(ResourceCatalog.Pods, r.Name!);
        var q = ctx.Request.Query;
        var container = ChooseContainer(pod, q["container"].ToString());
        cluster.Stats.LogRequest(pod.Namespace ?? "", pod.Name, container);
        var previous = q["previous"] == "true";
        var log = cluster.Logs.Current(pod.Uid, container, previous);
        if (log is null)
        {
            throw previous
                ? ApiError.BadRequest($"previous terminated container \"{container}\" in pod \"{pod.Name}\" not found")
                : ApiError.BadRequest($"container \"{container}\" in pod \"{pod.Name}\" is waiting to start: {WaitingReason(pod, container)}");
        }

        var follow = q["follow"] == "true" && !previous;
        var timestamps = q["timestamps"] == "true";
        long? tail = long.TryParse(q["tailLines"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var tl) ? Math.Max(0, tl) : null;
        long? limitBytes = long.TryParse(q["limitBytes"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var lb) && lb > 0 ? lb : null;
        DateTimeOffset? since = null;
        if (q["sinceTime"].ToString() is { Length: > 0 } sinceText)
        {
            // The API server parses sinceTime as RFC 3339, fractions accepted (metav1.Time.UnmarshalQueryParameter,
            // staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/time.go), then LogLocation re-formats it with
            // time.RFC3339 for the kubelet (pkg/registry/core/pod/strategy.go): whole seconds, the fraction cut off.
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                throw ApiError.BadRequest($"parsing time \"{sinceText}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse");
            }

            since = new DateTimeOffset(parsed.UtcTicks - (parsed.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        }
        else if (long.TryParse(q["sinceSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sinceSeconds) && sinceSeconds > 0)
        {
            since = DateTimeOffset.UtcNow.AddSeconds(-sinceSeconds);
        }

        var faults = cluster.Faults.Current;
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        var available = log.AvailableAt(DateTimeOffset.UtcNow);

        // The kubelet opens the container's current log file, following or not (ReadLogs in
        // pkg/kubelet/kuberuntime/logs/logs.go): lines in files rotated away (containerLogMaxSize) are not served,
        // and tailLines and sinceTime count within the current file.
        var currentFile = log.FileOf(available).Start;
        var next = since is null ? currentFile : Math.Max(currentFile, log.FirstAtOrAfter(since.Value));
        if (tail is not null)
        {
            next = Math.Max(next, available - tail.Value);
        }

        long bytesLeft = limitBytes ?? long.MaxValue;
        long cutBytes = faults.LogCutAfterBytes > 0 ? faults.LogCutAfterBytes : long.MaxValue;
        long cutLines = faults.LogCutAfterLines > 0 ? faults.LogCutAfterLines : long.MaxValue;
        long linesSent = 0;
        var writer = ctx.Response.BodyWriter;
        var pollDelay = TimeSpan.FromMilliseconds(Math.Clamp(cluster.Step.TotalMilliseconds / 2, 2, 50));
        await ctx.Response.StartAsync(ctx.RequestAborted);
        while (true)
        {
            // A follow goes on across rotations: at the end of its file the kubelet opens the new current one
            // (waitLogs reports the file recreated), so every line after the start is served, in order.
            var bound = available;

            // Buffer the already-written lines in big chunks.
            while (next < bound)
            {
                var span = writer.GetSpan(Math.Max(ChunkSize, log.LengthOf(next) + ContainerLog.TimestampLength));
                var used = 0;
                while (next < bound && used + log.LengthOf(next) + ContainerLog.TimestampLength <= span.Length)
                {
                    var start = used;
                    if (timestamps)
                    {
                        used += ContainerLog.WriteTimestamp(log.TimeOf(next), span[used..]);
                    }

                    used += log.CopyLine(next, span[used..]);
                    next++;
                    linesSent++;
                    var lineBytes = used - start;
                    var limitHit = lineBytes >= bytesLeft;
                    var cutHit = lineBytes >= cutBytes || linesSent >= cutLines;
                    if (limitHit || cutHit)
                    {
                        long keep = lineBytes;
                        keep = limitHit ? Math.Min(keep, bytesLeft) : keep;
                        keep = lineBytes >= cutBytes ? Math.Min(keep, cutBytes) : keep;
                        writer.Advance(start + (int)keep);
                        cluster.Stats.BytesWritten(start + keep);
                        await writer.FlushAsync(ctx.RequestAborted);
                        if (cutHit && !(limitHit && bytesLeft <= keep))
                        {
                            // Fault: the stream breaks mid-way, as a dropped connection would. The pause lets the
                            // bytes already written reach the client before the reset discards unsent data.
                            await Task.Delay(100, ctx.RequestAborted);
                            ctx.Abort();
                        }

                        return;
                    }

                    bytesLeft -= lineBytes;
                    cutBytes -= lineBytes;
                }

                writer.Advance(used);
                cluster.Stats.BytesWritten(used);
                var result = await writer.FlushAsync(ctx.RequestAborted);
                if (result.IsCanceled || result.IsCompleted)
                {
                    return;
                }
            }

            if (!follow || (log.Finished && next >= log.AvailableAt(DateTimeOffset.UtcNow)))
            {
                return;
            }

            await Task.Delay(pollDelay, ctx.RequestAborted);
            available = log.AvailableAt(DateTimeOffset.UtcNow);
        }
    }

    private static string ChooseContainer(StoredObject pod, string requested)
    {
        var spec = pod.Root.GetProperty("spec");
        var main = Names(spec, "containers");
        var init = Names(spec, "initContainers");
        if (requested.Length == 0)
        {
            if (main.Count == 1)
            {
                return main[0];
            }

            var message = $"a container name must be specified for pod {pod.Name}, choose one of: [{string.Join(' ', main)}]";
            if (init.Count > 0)
            {
                message += $" or one of the init containers: [{string.Join(' ', init)}]";
            }

            throw ApiError.BadRequest(message);
        }

        if (!main.Contains(requested) && !init.Contains(requested))
        {
            throw ApiError.BadRequest($"container {requested} is not valid for pod {pod.Name}");
        }

        return requested;
    }

    private static List<string> Names(JsonElement spec, string field) =>
        spec.TryGetProperty(field, out var list) ? list.EnumerateArray().Select(c => c.GetProperty("name").GetString() ?? "").ToList() : [];

    /// <summary>The reason the kubelet gives for a container without logs yet.</summary>
    private static string WaitingReason(StoredObject pod, string container)
    {
        var status = pod.Root.TryGetProperty("status", out var s) ? s : default;
        foreach (var field in new[] { "initContainerStatuses", "containerStatuses" })
        {
            if (status.ValueKind == JsonValueKind.Object && status.TryGetProperty(field, out var statuses))
            {
                foreach (var cs in statuses.EnumerateArray())
                {
                    if (cs.GetProperty("name").GetString() == container && cs.GetProperty("state").TryGetProperty("waiting", out var waiting))
                    {
                        var reason = waiting.TryGetProperty("reason", out var rr) ? rr.GetString() : null;
                        return reason is "ErrImagePull" or "ImagePullBackOff" ? "trying and failing to pull image" : reason ?? "ContainerCreating";
                    }
                }
            }
        }

        return pod.Root.GetProperty("spec").TryGetProperty("initContainers", out _) ? "PodInitializing" : "ContainerCreating";
    }
}
