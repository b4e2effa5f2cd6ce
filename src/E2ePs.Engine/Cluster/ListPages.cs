using E2ePs.Contracts;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Every list E2ePs makes is read page by page, as kubectl get does (--chunk-size=500): <c>limit</c> on each
/// request and the <c>continue</c> token of the answer on the next, until an answer has none. The API server
/// serves a continued list from the snapshot of its first page (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go,
/// GetList), so the pages add up to one consistent list; a continue token older than etcd's compaction is a
/// 410 Expired, translated like any other error (<c>ClusterResourceExpired</c>).
/// </summary>
public static class ListPages
{
    /// <summary>kubectl get's default chunk size.</summary>
    public const int PageSize = 500;

    /// <summary>Every item of a list; <paramref name="action"/> and <paramref name="target"/> word the error of a failed page.</summary>
    public static async Task<List<TItem>> AllAsync<TList, TItem>(
        ClusterConnection connection, string action, string target, Func<string?, CancellationToken, Task<TList>> list,
        Func<TList, (IList<TItem>? Items, string? Next)> page, CancellationToken cancellationToken)
    {
        try
        {
            return await AllAsync(list, page, cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, connection, action, target);
        }
    }

    /// <summary>Every item of a list, errors as the client threw them.</summary>
    public static async Task<List<TItem>> AllAsync<TList, TItem>(
        Func<string?, CancellationToken, Task<TList>> list, Func<TList, (IList<TItem>? Items, string? Next)> page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(page);
        var items = new List<TItem>();
        string? next = null;
        do
        {
            var (pageItems, continueToken) = page(await list(next, cancellationToken));
            items.AddRange(pageItems ?? []);
            next = string.IsNullOrEmpty(continueToken) ? null : continueToken;
        }
        while (next is not null);

        return items;
    }

    /// <summary>The pods of a namespace that <paramref name="labelSelector"/> selects, errors as the client threw them.</summary>
    public static Task<List<V1Pod>> PodsAsync(IKubernetes client, string ns, string labelSelector, CancellationToken cancellationToken, int pageSize = PageSize) =>
        AllAsync((next, token) => client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: next, labelSelector: labelSelector, limit: pageSize, cancellationToken: token),
            list => (list.Items, list.Metadata?.ContinueProperty), cancellationToken);

    /// <summary>The pods of a namespace that <paramref name="labelSelector"/> selects; a failure is translated with <paramref name="action"/>.</summary>
    public static Task<List<V1Pod>> PodsAsync(ClusterConnection connection, string ns, string labelSelector, string action, string target, CancellationToken cancellationToken) =>
        AllAsync(connection, action, target,
            (next, token) => connection.Client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: next, labelSelector: labelSelector, limit: connection.ListPageSize, cancellationToken: token),
            list => (list.Items, list.Metadata?.ContinueProperty), cancellationToken);

    /// <summary>The core/v1 events of a namespace that <paramref name="fieldSelector"/> selects, errors as the client threw them.</summary>
    public static Task<List<Corev1Event>> EventsAsync(IKubernetes client, string ns, string fieldSelector, CancellationToken cancellationToken, int pageSize = PageSize) =>
        AllAsync((next, token) => client.CoreV1.ListNamespacedEventAsync(ns, continueParameter: next, fieldSelector: fieldSelector, limit: pageSize, cancellationToken: token),
            list => (list.Items, list.Metadata?.ContinueProperty), cancellationToken);
}
