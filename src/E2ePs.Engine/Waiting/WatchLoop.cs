using System.Net;
using E2ePs.Engine.Cluster;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// List, then watch from the list's resourceVersion with bookmarks; when a watch ends, resume from the
/// last resourceVersion seen; after 410 Gone (the history moved on), 504 ResourceVersionTooLarge or a
/// dropped connection, list again, and hand every list whole to the caller to reconcile. This is how
/// every E2ePs wait learns about changes: never by polling.
/// </summary>
public static class WatchLoop
{
    /// <summary>How long the server keeps one watch open before it ends it and the loop resumes.</summary>
    public const int WatchTimeoutSeconds = 300;

    private static readonly TimeSpan s_maxReconnectDelay = TimeSpan.FromSeconds(2);

    /// <summary>Counts of what the loop did, for verbose output and benchmarks.</summary>
    public sealed class Statistics
    {
        private int _lists;
        private int _watches;

        /// <summary>Lists made (the first, and one after each 410, ResourceVersionTooLarge or dropped connection).</summary>
        public int Lists => _lists;

        /// <summary>Watches opened (the first, and one per resume).</summary>
        public int Watches => _watches;

        internal void CountList() => Interlocked.Increment(ref _lists);

        internal void CountWatch() => Interlocked.Increment(ref _watches);
    }

    /// <summary>
    /// Jobs of a namespace matching a label selector, until cancelled. <paramref name="onListed"/> runs
    /// after the items of each list (the first and every re-list) have been passed to <paramref name="onEvent"/>,
    /// with the full set: a Job the caller knew of and that is not in it was deleted while the watch was down.
    /// </summary>
    public static Task JobsAsync(IKubernetes client, string ns, string? labelSelector, string? fieldSelector, Action<WatchEventType, V1Job> onEvent, Statistics? statistics, CancellationToken cancellationToken, Action<Listing<V1Job>>? onListed = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return RunAsync(
            async ct =>
            {
                var list = await client.BatchV1.ListNamespacedJobAsync(ns, fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: ct);
                return (list.Items, list.Metadata.ResourceVersion);
            },
            (rv, onError, ct) => client.BatchV1.WatchListNamespacedJobAsync(ns, allowWatchBookmarks: true, fieldSelector: fieldSelector,
                labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
            onEvent, statistics, cancellationToken, onListed);
    }

    /// <summary>
    /// Pods of a namespace matching a label and field selector, until cancelled. <paramref name="onListed"/>
    /// runs after the items of each list have been passed to <paramref name="onEvent"/>, with the full set:
    /// from then on the caller has seen every pod that exists, and a pod missing from it is gone.
    /// </summary>
    public static Task PodsAsync(IKubernetes client, string ns, string? labelSelector, string? fieldSelector, Action<WatchEventType, V1Pod> onEvent, Statistics? statistics, CancellationToken cancellationToken, Action<Listing<V1Pod>>? onListed = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return RunAsync(
            async ct =>
            {
                var list = await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: ct);
                return (list.Items, list.Metadata.ResourceVersion);
            },
            (rv, onError, ct) => client.CoreV1.WatchListNamespacedPodAsync(ns, allowWatchBookmarks: true, fieldSelector: fieldSelector,
                labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
            onEvent, statistics, cancellationToken, onListed);
    }

    /// <summary>
    /// Core v1 events of a namespace, until cancelled. A run's pods that never start (FailedCreate,
    /// FailedScheduling, FailedMount, an autoscaler's NotTriggerScaleUp) say why only in events; the
    /// core API serves the events.k8s.io ones too, with eventTime set and the legacy timestamps empty.
    /// </summary>
    public static Task EventsAsync(IKubernetes client, string ns, string? fieldSelector, Action<WatchEventType, Corev1Event> onEvent, Statistics? statistics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return RunAsync(
            async ct =>
            {
                var list = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: fieldSelector, cancellationToken: ct);
                return (list.Items, list.Metadata.ResourceVersion);
            },
            (rv, onError, ct) => client.CoreV1.WatchListNamespacedEventAsync(ns, allowWatchBookmarks: true, fieldSelector: fieldSelector,
                resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
            onEvent, statistics, cancellationToken);
    }

    /// <summary>Returns once the Job named <paramref name="jobName"/> does not exist.</summary>
    public static async Task UntilGoneAsync(IKubernetes client, string ns, string jobName, CancellationToken cancellationToken)
    {
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = RunAsync(
            async ct =>
            {
                var list = await client.BatchV1.ListNamespacedJobAsync(ns, fieldSelector: $"metadata.name={jobName}", cancellationToken: ct);
                if (list.Items.Count == 0)
                {
                    await gone.CancelAsync();
                }

                return (list.Items, list.Metadata.ResourceVersion);
            },
            (rv, onError, ct) => client.BatchV1.WatchListNamespacedJobAsync(ns, allowWatchBookmarks: true, fieldSelector: $"metadata.name={jobName}",
                resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
            (type, _) =>
            {
                if (type == WatchEventType.Deleted)
                {
                    gone.Cancel();
                }
            },
            statistics: null,
            gone.Token);
        try
        {
            await loop;
        }
        catch (OperationCanceledException) when (gone.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task RunAsync<T>(
        Func<CancellationToken, Task<(IList<T> Items, string ResourceVersion)>> list,
        Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch,
        Action<WatchEventType, T> onEvent,
        Statistics? statistics,
        CancellationToken cancellationToken,
        Action<Listing<T>>? onListed = null)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        string? rv = null;
        string? highestSeen = null;
        var lists = 0;
        var relistCause = RelistCause.First;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (rv is null)
                {
                    statistics?.CountList();
                    var (items, listVersion) = await list(cancellationToken);
                    foreach (var item in items)
                    {
                        onEvent(WatchEventType.Added, item);
                    }

                    var wentBack = lists++ > 0 && ResourceVersionOrder.IsOlder(listVersion, highestSeen);
                    var listing = new Listing<T>(items.AsReadOnly(), listVersion, wentBack ? RelistCause.ResourceVersionWentBack : relistCause, highestSeen);
                    rv = listVersion;
                    highestSeen = wentBack ? listVersion : ResourceVersionOrder.Max(highestSeen, listVersion);
                    onListed?.Invoke(listing);
                }

                var relist = (RelistCause?)null;
                statistics?.CountWatch();
                await foreach (var (type, item) in watch(rv, error => relist ??= RelistCauseOf(error), cancellationToken))
                {
                    failures = 0;
                    rv = item.Metadata?.ResourceVersion ?? rv;
                    highestSeen = ResourceVersionOrder.Max(highestSeen, rv);
                    if (type != WatchEventType.Bookmark)
                    {
                        onEvent(type, item);
                    }
                }

                if (relist is { } cause)
                {
                    rv = null;
                    relistCause = cause;
                }
            }
            catch (HttpOperationException error) when (RelistCauseOf(error) is { } cause)
            {
                rv = null;
                relistCause = cause;
            }
            catch (Exception error) when (IsTransient(error) && !cancellationToken.IsCancellationRequested)
            {
                // A dropped connection: list again after a short, growing pause. Resuming from the last
                // resourceVersion would be cheaper, but the drop may be the API server restarting, and after
                // an etcd restore the revision can climb back past the one held, so a resumed watch would
                // silently miss what went in the gap. The waiters' lists are label-selected and small.
                if (rv is not null)
                {
                    rv = null;
                    relistCause = RelistCause.Reconnected;
                }

                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(s_maxReconnectDelay.TotalMilliseconds, 50 * Math.Pow(2, failures)));
                await Task.Delay(delay, cancellationToken);
                if (failures > 20)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Why a watch error needs a fresh list, as client-go's reflector decides (staging/src/k8s.io/client-go/tools/cache/reflector.go,
    /// isExpiredError and isTooLargeResourceVersionError): 410 Expired/Gone (the history moved on), or 504 with cause
    /// ResourceVersionTooLarge (the server has not reached what this client saw: an etcd restore). Null for other errors.
    /// </summary>
    private static RelistCause? RelistCauseOf(Exception error) => error switch
    {
        KubernetesException { Status: { } status } => RelistCauseOf(status),
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => RelistCause.Expired,
        HttpOperationException { Response: { StatusCode: HttpStatusCode.GatewayTimeout, Content: { } content } } when content.Contains("ResourceVersionTooLarge", StringComparison.Ordinal) || content.Contains("Too large resource version", StringComparison.Ordinal) => RelistCause.ResourceVersionTooLarge,
        _ => null,
    };

    private static RelistCause? RelistCauseOf(V1Status status) =>
        status.Code == (int)HttpStatusCode.Gone || status.Reason is "Expired" or "Gone" ? RelistCause.Expired
        : status.Details?.Causes?.Any(c => c.Reason == "ResourceVersionTooLarge" || c.Message == "Too large resource version") == true
            || (status.Code == (int)HttpStatusCode.GatewayTimeout && status.Message?.Contains("Too large resource version", StringComparison.Ordinal) == true) ? RelistCause.ResourceVersionTooLarge
        : null;

    private static bool IsTransient(Exception error) =>
        error is IOException or HttpRequestException or System.Text.Json.JsonException
        || (error is HttpOperationException { Response: { } response } && ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests));
}
