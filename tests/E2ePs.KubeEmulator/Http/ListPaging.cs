using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Http;

/// <summary>
/// <c>limit</c> and <c>continue</c> on lists, as the API server pages them (kubernetes/kubernetes,
/// staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go GetList and staging/src/k8s.io/apiserver/pkg/storage/continue.go):
/// items in key order (namespace/name), at most <c>limit</c> a page; the continue token is base64 of
/// {"v":"meta.k8s.io/v1","rv":…,"start":…} naming the key after the last item; <c>remainingItemCount</c> is set
/// only when the list has no selector; a token whose revision etcd has compacted (every 5 minutes by default,
/// kube-apiserver --etcd-compaction-interval) is 410 Expired with the API server's sentence. Each page is read
/// from the store as it is now (the real server reads the first page's revision): see docs/emulator.md.
/// </summary>
internal static class ListPaging
{
    /// <summary>What one page of a list holds.</summary>
    public sealed record Page(List<StoredObject> Items, string? Continue, long? RemainingItemCount, long? ResourceVersion);

    /// <summary>The page a request asks for; the whole list when it sets neither limit nor continue.</summary>
    public static Page Slice(IQueryCollection query, List<StoredObject> items, bool hasSelector, long currentRv, TimeSpan tokenLifetime)
    {
        long.TryParse(query["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit);
        var token = query["continue"].ToString();
        if (limit <= 0 && token.Length == 0)
        {
            return new Page(items, null, null, null);
        }

        var rv = currentRv;
        var start = 0;
        if (token.Length > 0)
        {
            (rv, var startKey, var issued) = Decode(token);
            if (DateTimeOffset.UtcNow - issued > tokenLifetime)
            {
                // The sentence of storage.NewResourceExpiredError for an expired continue (etcd3/store.go, GetList).
                throw new ApiError(410, "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            }

            start = items.FindIndex(o => string.CompareOrdinal(Key(o), startKey) >= 0);
            start = start < 0 ? items.Count : start;
        }

        var count = limit > 0 ? (int)Math.Min(limit, items.Count - start) : items.Count - start;
        var page = items.GetRange(start, count);
        var rest = items.Count - start - count;
        if (rest <= 0)
        {
            return new Page(page, null, null, rv);
        }

        var next = Encode(rv, Key(page[^1]) + "\0");
        return new Page(page, next, hasSelector ? null : rest, rv);
    }

    private static string Key(StoredObject o) => (o.Namespace ?? "") + "/" + o.Name;

    private static string Encode(long rv, string start)
    {
        // "t" is the emulator's own: when the token was issued, standing in for etcd's compaction of its revision.
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = start, ["t"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    private static (long Rv, string Start, DateTimeOffset Issued) Decode(string token)
    {
        try
        {
            var text = token.Replace('-', '+').Replace('_', '/');
            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(text)))!.AsObject();
            if (json["v"]?.GetValue<string>() != "meta.k8s.io/v1")
            {
                throw new FormatException("version");
            }

            return (json["rv"]!.GetValue<long>(), json["start"]!.GetValue<string>(), DateTimeOffset.FromUnixTimeMilliseconds(json["t"]?.GetValue<long>() ?? 0));
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            // continue.go DecodeContinue: "continue key is not valid: ..."; the request is 400.
            throw ApiError.BadRequest($"continue key is not valid: {e.Message}");
        }
    }
}
