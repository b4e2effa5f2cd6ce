using System.Globalization;

namespace E2ePs.Engine.Waiting;

/// <summary>Why <see cref="WatchLoop"/> listed.</summary>
public enum RelistCause
{
    /// <summary>The first list of the loop.</summary>
    First,

    /// <summary>The connection dropped (a network fault, or the API server going away).</summary>
    Reconnected,

    /// <summary>410: the watch cache no longer had the events after the last resourceVersion (history moved on, or the API server restarted).</summary>
    Expired,

    /// <summary>504 ResourceVersionTooLarge: the server has not reached a resourceVersion this client saw (etcd was restored).</summary>
    ResourceVersionTooLarge,

    /// <summary>The list came back at a resourceVersion lower than one already seen: the server's history went back (etcd was restored).</summary>
    ResourceVersionWentBack,
}

/// <summary>
/// One list of a <see cref="WatchLoop"/>: every object that exists now. After a re-list, an object the
/// caller knew of and that is not in <see cref="Items"/> was deleted while the watch was down; no
/// DELETED event will come for it.
/// </summary>
/// <param name="Items">The full set the server listed.</param>
/// <param name="ResourceVersion">The list's resourceVersion.</param>
/// <param name="Cause">Why the loop listed.</param>
/// <param name="HighestSeen">The highest resourceVersion seen before this list; null on the first.</param>
public sealed record Listing<T>(IReadOnlyList<T> Items, string ResourceVersion, RelistCause Cause, string? HighestSeen)
{
    /// <summary>Whether this list follows signs that the server's state went back in time (an etcd restore).</summary>
    public bool ServerWentBack => Cause is RelistCause.ResourceVersionTooLarge or RelistCause.ResourceVersionWentBack;

    /// <summary>A sentence on why the list was made, for messages; null on the first list.</summary>
    public string? Explanation => Cause switch
    {
        RelistCause.Reconnected => "its connection to the API server dropped (a network fault or an API server restart)",
        RelistCause.Expired => "its watch had to list again (410: the API server no longer had the events since the last resourceVersion; it may have restarted)",
        RelistCause.ResourceVersionTooLarge => $"the API server had not reached resourceVersion {HighestSeen}, seen before (its etcd was restored to an earlier state)",
        RelistCause.ResourceVersionWentBack => $"the API server's resourceVersion went back from {HighestSeen} to {ResourceVersion} (its etcd was restored to an earlier state)",
        _ => null,
    };
}

/// <summary>
/// Comparing resourceVersions. The API calls them opaque, but every API server backed by etcd serves
/// etcd's revision as a decimal number (staging/src/k8s.io/apiserver/pkg/storage/etcd3, APIObjectVersioner),
/// so a decimal that goes down says the server's history went back; anything else is never compared.
/// </summary>
public static class ResourceVersionOrder
{
    /// <summary>Whether <paramref name="candidate"/> is a lower revision than <paramref name="seen"/>.</summary>
    public static bool IsOlder(string? candidate, string? seen) =>
        Parse(candidate) is { } c && Parse(seen) is { } s && c < s;

    /// <summary>The higher of two resourceVersions; the newer one when they cannot be compared.</summary>
    public static string? Max(string? current, string? next) =>
        next is null ? current : IsOlder(next, current) ? current : next;

    private static ulong? Parse(string? rv) =>
        ulong.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
