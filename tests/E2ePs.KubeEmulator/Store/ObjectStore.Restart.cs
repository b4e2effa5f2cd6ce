namespace E2ePs.KubeEmulator.Store;

internal sealed partial class ObjectStore
{
    private (Dictionary<string, SortedDictionary<string, StoredObject>> Tables, long Rv)? _snapshot;

    private WatchHistory History(string storageKey)
    {
        if (!_histories.TryGetValue(storageKey, out var history))
        {
            history = new WatchHistory(_historyLimits, _historyBaseRv);
            _histories[storageKey] = history;
        }

        return history;
    }

    /// <summary>The watch cache window of a resource, for tests and stats.</summary>
    public (int Count, int Capacity, long ListResourceVersion) HistoryOf(string storageKey)
    {
        lock (_lock)
        {
            var h = History(storageKey);
            return (h.Count, h.Capacity, h.ListResourceVersion);
        }
    }

    /// <summary>Takes an etcd snapshot: the objects and the resourceVersion as of now. Returns that resourceVersion.</summary>
    public long Snapshot()
    {
        lock (_lock)
        {
            // Stored objects are immutable (a change stores a new one), so copying the tables is a snapshot.
            var tables = _byType.ToDictionary(t => t.Key, t => new SortedDictionary<string, StoredObject>(t.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            _snapshot = (tables, _rv);
            return _rv;
        }
    }

    /// <summary>
    /// Restarts the API server: every open watch is severed and the watch caches start empty at the
    /// resourceVersion the server comes back with. Returns the changes the cluster's controllers must be told
    /// of (their informers re-list after a restart): none for <see cref="RestartMode.LoseHistory"/>, the
    /// difference between now and the snapshot for <see cref="RestartMode.Rewind"/>. These events go to
    /// no watch and into no history.
    /// </summary>
    public List<StoreEvent> Restart(RestartMode mode)
    {
        lock (_lock)
        {
            var changes = new List<StoreEvent>();
            if (mode == RestartMode.Rewind)
            {
                var (tables, rv) = _snapshot ?? throw Http.ApiError.BadRequest("rewind needs a snapshot: POST /_emulator/snapshot first");
                changes = Difference(_byType, tables);
                _byType.Clear();
                foreach (var (key, table) in tables)
                {
                    _byType[key] = new SortedDictionary<string, StoredObject>(table, StringComparer.Ordinal);
                }

                _rv = rv;
                _labelIndex.Clear();
                foreach (var o in _byType.Values.SelectMany(t => t.Values))
                {
                    Index(null, o);
                }
            }

            _historyBaseRv = _rv;
            foreach (var history in _histories.Values)
            {
                history.Reset(_rv);
            }

            foreach (var sub in _subscriptions)
            {
                sub.Sever();
            }

            _subscriptions.Clear();
            return changes;
        }
    }

    /// <summary>Called (outside the lock) with what <see cref="Restart"/> returned: the informers' view of the change.</summary>
    public void NotifyListeners(IEnumerable<StoreEvent> changes)
    {
        List<Action<StoreEvent>> listeners;
        lock (_lock)
        {
            listeners = [.. _listeners];
        }

        foreach (var e in changes)
        {
            foreach (var l in listeners)
            {
                l(e);
            }
        }
    }

    private static List<StoreEvent> Difference(Dictionary<string, SortedDictionary<string, StoredObject>> now, Dictionary<string, SortedDictionary<string, StoredObject>> then)
    {
        var changes = new List<StoreEvent>();
        foreach (var (key, table) in now)
        {
            var before = then.GetValueOrDefault(key);
            foreach (var (name, o) in table)
            {
                if (before?.GetValueOrDefault(name) is not { } old || old.Uid != o.Uid)
                {
                    changes.Add(new StoreEvent("DELETED", o, o));
                }
            }
        }

        foreach (var (key, table) in then)
        {
            var current = now.GetValueOrDefault(key);
            foreach (var (name, o) in table)
            {
                var existing = current?.GetValueOrDefault(name);
                if (existing is null || existing.Uid != o.Uid)
                {
                    changes.Add(new StoreEvent("ADDED", o, null));
                }
                else if (existing.ResourceVersion != o.ResourceVersion)
                {
                    changes.Add(new StoreEvent("MODIFIED", o, existing));
                }
            }
        }

        return changes;
    }
}
