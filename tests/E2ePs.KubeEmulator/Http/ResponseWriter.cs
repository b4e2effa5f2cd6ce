using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Admin;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Http;

/// <summary>Writes JSON answers and counts the bytes served.</summary>
internal static class ResponseWriter
{
    public static Task JsonAsync(HttpContext ctx, StatsCollector stats, int code, JsonNode body) =>
        BytesAsync(ctx, stats, code, JsonSerializer.SerializeToUtf8Bytes(body, JsonDefaults.Options));

    public static async Task BytesAsync(HttpContext ctx, StatsCollector stats, int code, byte[] body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        stats.BytesWritten(body.Length);
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    public static Task StatusAsync(HttpContext ctx, StatsCollector stats, ApiError error)
    {
        if (error.RetryAfterSeconds is { } retry)
        {
            ctx.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return JsonAsync(ctx, stats, error.Code, error.ToStatus());
    }

    /// <summary>A list: {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"N"},"items":[…]} from stored bytes.</summary>
    public static async Task ListAsync(HttpContext ctx, StatsCollector stats, string listKind, string apiVersion, long resourceVersion, IEnumerable<byte[]> items, string? continueToken = null, long? remainingItemCount = null)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var writer = ctx.Response.BodyWriter;
        long total = 0;
        void Write(ReadOnlySpan<byte> bytes)
        {
            writer.Write(bytes);
            total += bytes.Length;
        }

        var paging = (continueToken is null ? "" : $",\"continue\":\"{continueToken}\"") + (remainingItemCount is { } remaining ? $",\"remainingItemCount\":{remaining}" : "");
        Write(System.Text.Encoding.UTF8.GetBytes($"{{\"kind\":\"{listKind}\",\"apiVersion\":\"{apiVersion}\",\"metadata\":{{\"resourceVersion\":\"{resourceVersion}\"{paging}}},\"items\":["));
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                Write(","u8);
            }

            first = false;
            Write(item);
            if (writer.UnflushedBytes > 64 * 1024)
            {
                await writer.FlushAsync(ctx.RequestAborted);
            }
        }

        Write("]}"u8);
        stats.BytesWritten(total);
        await writer.FlushAsync(ctx.RequestAborted);
    }
}
