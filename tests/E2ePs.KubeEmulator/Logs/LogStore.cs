namespace E2ePs.KubeEmulator.Logs;

/// <summary>Container logs by pod uid and container name; each restart adds a run (the previous one serves ?previous=true).</summary>
internal sealed class LogStore
{
    private readonly Dictionary<(string PodUid, string Container), List<ContainerLog>> _runs = [];
    private readonly Lock _lock = new();

    public void Add(string podUid, string container, ContainerLog log)
    {
        lock (_lock)
        {
            if (!_runs.TryGetValue((podUid, container), out var list))
            {
                list = [];
                _runs[(podUid, container)] = list;
            }

            list.Add(log);
        }
    }

    public ContainerLog? Current(string podUid, string container, bool previous)
    {
        lock (_lock)
        {
            if (!_runs.TryGetValue((podUid, container), out var list))
            {
                return null;
            }

            if (!previous)
            {
                return list[^1];
            }

            return list[^1].RestartPending ? list[^1] : list.Count >= 2 ? list[^2] : null;
        }
    }

    public void RemovePod(string podUid)
    {
        lock (_lock)
        {
            foreach (var key in _runs.Keys.Where(k => k.PodUid == podUid).ToList())
            {
                _runs.Remove(key);
            }
        }
    }
}
