using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;

namespace E2ePs.KubeEmulator.Store;

/// <summary>
/// All objects of the cluster behind one lock, with one global resourceVersion counter (like etcd's revision)
/// and, per resource, the watch cache's window of past events so watches can resume from a resourceVersion
/// (<see cref="WatchHistory"/>). <see cref="Restart"/> plays an API server restart or an etcd restore.
/// </summary>
internal sealed partial class ObjectStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> _byType = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WatchHistory> _histories = new(StringComparer.Ordinal);
    private readonly WatchHistoryLimits _historyLimits;
    private readonly List<WatchSubscription> _subscriptions = [];
    private readonly List<Action<StoreEvent>> _listeners = [];
    /// <summary>Objects by (type, value of an indexed label): controllers find a job's pods without scanning all pods.</summary>
    private readonly Dictionary<(string Type, string Value), HashSet<string>> _labelIndex = [];
    /// <summary>The resourceVersion the watch caches were last filled at: the start, or the last restart.</summary>
    private long _historyBaseRv;
    private long _rv = 1;

    public ObjectStore(WatchHistoryLimits historyLimits) => _historyLimits = historyLimits;

    public long CurrentResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _rv;
            }
        }
    }

    /// <summary>Called under the store lock for every change, in resourceVersion order; must not block.</summary>
    public void AddListener(Action<StoreEvent> listener)
    {
        lock (_lock)
        {
            _listeners.Add(listener);
        }
    }

    private static string Key(string? ns, string name) => (ns ?? "") + "/" + name;

    private SortedDictionary<string, StoredObject> Table(ResourceType type)
    {
        if (!_byType.TryGetValue(type.StorageKey, out var table))
        {
            table = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
            _byType[type.StorageKey] = table;
        }

        return table;
    }

    public StoredObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_lock)
        {
            return Table(type).GetValueOrDefault(Key(type.Namespaced ? ns : null, name));
        }
    }

    public bool NamespaceExists(string ns) => Get(ResourceCatalog.Namespaces, null, ns) is not null;

    public (List<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns, Func<StoredObject, bool>? filter = null)
    {
        lock (_lock)
        {
            var items = new List<StoredObject>();
            foreach (var o in Table(type).Values)
            {
                if ((ns is null || o.Namespace == ns) && (filter is null || filter(o)))
                {
                    items.Add(o);
                }
            }

            return (items, _rv);
        }
    }

    /// <summary>Stores a new object: assigns uid, creationTimestamp and resourceVersion. Throws AlreadyExists.</summary>
    public StoredObject Create(ResourceType type, JsonObject obj, bool dryRun)
    {
        lock (_lock)
        {
            var meta = obj.Obj("metadata");
            var name = meta.Str("name") ?? throw ApiError.BadRequest("name or generateName is required");
            var ns = type.Namespaced ? meta.Str("namespace") : null;
            if (ns is not null && !_byType.GetValueOrDefault(ResourceCatalog.Namespaces.StorageKey)?.ContainsKey(Key(null, ns)) == true)
            {
                throw ApiError.NamespaceNotFound(ns);
            }

            var table = Table(type);
            if (table.ContainsKey(Key(ns, name)))
            {
                throw ApiError.AlreadyExists(type, name);
            }

            meta.SetDefault("uid", Guid.NewGuid().ToString());
            meta["creationTimestamp"] = JsonDefaults.Time(DateTimeOffset.UtcNow);
            meta.Remove("deletionTimestamp");
            if (dryRun)
            {
                meta["resourceVersion"] = null;
                meta.Remove("resourceVersion");
                return StoredObject.From(type, obj);
            }

            meta["resourceVersion"] = NextRv();
            var stored = StoredObject.From(type, obj);
            table[Key(ns, name)] = stored;
            Publish(new StoreEvent("ADDED", stored, null));
            return stored;
        }
    }

    /// <summary>
    /// Replaces an object. When <paramref name="expectedRv"/> is given and differs from the stored one: 409 Conflict.
    /// An unchanged object keeps its resourceVersion and publishes nothing, as on a real server.
    /// </summary>
    public StoredObject Update(ResourceType type, JsonObject obj, string? expectedRv, bool dryRun)
    {
        lock (_lock)
        {
            var meta = obj.Obj("metadata");
            var name = meta.Str("name") ?? throw ApiError.BadRequest("name is required");
            var ns = type.Namespaced ? meta.Str("namespace") : null;
            var table = Table(type);
            if (!table.TryGetValue(Key(ns, name), out var current))
            {
                throw ApiError.NotFound(type, name);
            }

            if (!string.IsNullOrEmpty(expectedRv) && expectedRv != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiError.Conflict(type, name);
            }

            // Identity fields are owned by the server (read from the stored element: no re-parse of the old object).
            var oldMeta = current.Root.GetProperty("metadata");
            meta["uid"] = current.Uid;
            meta["creationTimestamp"] = oldMeta.TryGetProperty("creationTimestamp", out var created) ? created.GetString() : null;
            meta["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            if (oldMeta.TryGetProperty("deletionTimestamp", out var deleting) && deleting.ValueKind == JsonValueKind.String)
            {
                meta["deletionTimestamp"] = deleting.GetString();
            }

            if (oldMeta.TryGetProperty("generation", out var gen) && gen.TryGetInt64(out var generation))
            {
                var oldSpec = current.Root.TryGetProperty("spec", out var os) ? JsonNode.Parse(os.GetRawText()) : null;
                meta["generation"] = JsonNode.DeepEquals(oldSpec, obj["spec"]) ? generation : generation + 1;
            }

            // Unchanged objects keep their resourceVersion. Same content serializes to the same length whatever the
            // property order, so only equal lengths need the structural comparison.
            var bytes = JsonDefaults.ToBytes(obj);
            if (bytes.Length == current.Json.Length && (bytes.AsSpan().SequenceEqual(current.Json) || JsonNode.DeepEquals(current.ToNode(), obj)))
            {
                return current;
            }

            if (dryRun)
            {
                return StoredObject.From(type, obj);
            }

            meta["resourceVersion"] = NextRv();
            var stored = StoredObject.From(type, obj);
            table[Key(ns, name)] = stored;
            Publish(new StoreEvent("MODIFIED", stored, current));
            return stored;
        }
    }

    /// <summary>Read-modify-write for controllers: <paramref name="mutate"/> returns false to leave the object alone.</summary>
    public StoredObject? Mutate(ResourceType type, string? ns, string name, Func<JsonObject, bool> mutate)
    {
        lock (_lock)
        {
            var current = Table(type).GetValueOrDefault(Key(type.Namespaced ? ns : null, name));
            if (current is null)
            {
                return null;
            }

            var node = current.ToNode();
            if (!mutate(node))
            {
                return current;
            }

            return Update(type, node, null, dryRun: false);
        }
    }

    /// <summary>Removes an object for good and publishes DELETED with a fresh resourceVersion.</summary>
    public StoredObject? Remove(ResourceType type, string? ns, string name, string? expectedUid = null)
    {
        lock (_lock)
        {
            var table = Table(type);
            var key = Key(type.Namespaced ? ns : null, name);
            if (!table.TryGetValue(key, out var current) || (expectedUid is not null && current.Uid != expectedUid))
            {
                return null;
            }

            table.Remove(key);
            var node = current.ToNode();
            node.Obj("metadata")["resourceVersion"] = NextRv();
            var deleted = StoredObject.From(type, node);
            Publish(new StoreEvent("DELETED", deleted, current));
            return deleted;
        }
    }

    public const string IndexedLabel = "batch.kubernetes.io/controller-uid";

    /// <summary>Objects of a type whose <see cref="IndexedLabel"/> has the given value.</summary>
    public List<StoredObject> ListByIndexedLabel(ResourceType type, string value)
    {
        lock (_lock)
        {
            var table = Table(type);
            return _labelIndex.TryGetValue((type.StorageKey, value), out var keys)
                ? keys.Select(k => table.GetValueOrDefault(k)).OfType<StoredObject>().ToList()
                : [];
        }
    }

    private void Index(StoredObject? old, StoredObject? now)
    {
        if (old is not null && old.Labels.TryGetValue(IndexedLabel, out var oldValue) &&
            (now is null || !now.Labels.TryGetValue(IndexedLabel, out var same) || same != oldValue) &&
            _labelIndex.TryGetValue((old.Type.StorageKey, oldValue), out var set))
        {
            set.Remove(Key(old.Namespace, old.Name));
            if (set.Count == 0)
            {
                _labelIndex.Remove((old.Type.StorageKey, oldValue));
            }
        }

        if (now is not null && now.Labels.TryGetValue(IndexedLabel, out var value))
        {
            if (!_labelIndex.TryGetValue((now.Type.StorageKey, value), out var keys))
            {
                keys = new HashSet<string>(StringComparer.Ordinal);
                _labelIndex[(now.Type.StorageKey, value)] = keys;
            }

            keys.Add(Key(now.Namespace, now.Name));
        }
    }

    private string NextRv() => (++_rv).ToString(CultureInfo.InvariantCulture);

    private void Publish(StoreEvent e)
    {
        Index(e.Previous, e.Type == "DELETED" ? null : e.Object);
        History(e.Object.Type.StorageKey).Add(e, DateTimeOffset.UtcNow);

        foreach (var s in _subscriptions)
        {
            if (s.Type.StorageKey == e.Object.Type.StorageKey && (s.Namespace is null || s.Namespace == e.Object.Namespace))
            {
                s.Channel.Writer.TryWrite(e);
            }
        }

        foreach (var l in _listeners)
        {
            l(e);
        }
    }

    /// <summary>
    /// Opens a watch. Without a resourceVersion (or "0") the current objects come first as ADDED;
    /// from a resourceVersion the retained events after it are replayed; older than the history: Expired.
    /// </summary>
    public WatchSubscription Subscribe(ResourceType type, string? ns, long? fromRv)
    {
        lock (_lock)
        {
            var sub = new WatchSubscription(this, type, ns);
            if (fromRv is null or 0)
            {
                foreach (var o in Table(type).Values)
                {
                    if (ns is null || o.Namespace == ns)
                    {
                        sub.Channel.Writer.TryWrite(new StoreEvent("ADDED", o, null));
                    }
                }
            }
            else
            {
                foreach (var e in History(type.StorageKey).Since(fromRv.Value, e => ns is null || e.Object.Namespace == ns))
                {
                    sub.Channel.Writer.TryWrite(e);
                }
            }

            sub.StartRv = _rv;
            _subscriptions.Add(sub);
            return sub;
        }
    }

    internal void Unsubscribe(WatchSubscription sub)
    {
        lock (_lock)
        {
            _subscriptions.Remove(sub);
        }
    }
}

/// <summary>A registered watch: events arrive on <see cref="Channel"/> until disposed, or until a restart severs it.</summary>
internal sealed class WatchSubscription(ObjectStore store, ResourceType type, string? ns) : IDisposable
{
    private readonly CancellationTokenSource _severed = new();

    /// <summary>Cancelled when the API server restarts: the watch's connection goes with it.</summary>
    public CancellationToken Severed => _severed.Token;

    internal void Sever() => _severed.Cancel();

    public ResourceType Type { get; } = type;

    public string? Namespace { get; } = ns;

    public long StartRv { get; set; }

    public Channel<StoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<StoreEvent>();

    public void Dispose()
    {
        store.Unsubscribe(this);
        _severed.Dispose();
    }
}
