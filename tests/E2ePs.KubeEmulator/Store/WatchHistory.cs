using System.Globalization;
using E2ePs.KubeEmulator.Http;

namespace E2ePs.KubeEmulator.Store;

/// <summary>How long and how much watch history the API server's watch cache keeps for each resource.</summary>
/// <param name="FreshFor">Events younger than this are kept when the capacity allows (upstream eventFreshDuration, 75 s).</param>
/// <param name="MinEvents">The capacity never shrinks below this (upstream defaultLowerBoundCapacity, 100).</param>
/// <param name="MaxEvents">The capacity never grows beyond this (upstream defaultUpperBoundCapacity, 100 × 1024).</param>
internal sealed record WatchHistoryLimits(TimeSpan FreshFor, int MinEvents, int MaxEvents);

/// <summary>
/// The watch cache's event window of one resource, as kubernetes/kubernetes keeps it
/// (staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go, updateCache and resizeCacheLocked):
/// a ring whose capacity doubles while it is full of events younger than <see cref="WatchHistoryLimits.FreshFor"/>
/// (up to the upper bound) and halves when the newest quarter is older than that (down to the lower bound);
/// when full, the oldest event goes. A watch from a resourceVersion older than what the window can replay
/// gets 410 "too old resource version" (getAllEventsSinceLocked). After a restart the window starts empty
/// at the list's resourceVersion (Replace), so every older resourceVersion is too old.
/// </summary>
internal sealed class WatchHistory(WatchHistoryLimits limits, long initialRv)
{
    private (StoreEvent Event, DateTimeOffset At)[] _ring = new (StoreEvent, DateTimeOffset)[Math.Max(1, Math.Min(limits.MinEvents, limits.MaxEvents))];
    private int _start;
    private int _count;
    private bool _removedSinceList;

    /// <summary>The resourceVersion the window was (re)filled at: the watch cache's listResourceVersion.</summary>
    public long ListResourceVersion { get; private set; } = initialRv;

    public int Capacity => _ring.Length;

    public int Count => _count;

    public void Add(StoreEvent e, DateTimeOffset now)
    {
        Resize(now);
        if (_count == _ring.Length)
        {
            _start = (_start + 1) % _ring.Length;
            _count--;
            _removedSinceList = true;
        }

        _ring[(_start + _count) % _ring.Length] = (e, now);
        _count++;
    }

    /// <summary>Empties the window as a restarted watch cache does: it knows nothing before <paramref name="listRv"/>.</summary>
    public void Reset(long listRv)
    {
        Array.Clear(_ring);
        _start = 0;
        _count = 0;
        _removedSinceList = false;
        ListResourceVersion = listRv;
    }

    /// <summary>The retained events after <paramref name="fromRv"/>; throws 410 Expired when some may be missing.</summary>
    public List<StoreEvent> Since(long fromRv, Func<StoreEvent, bool> wanted)
    {
        var oldest = !_removedSinceList ? ListResourceVersion + 1 : _count > 0 ? At(0).Event.ResourceVersion : ListResourceVersion + 1;
        if (fromRv < oldest - 1)
        {
            throw ApiError.Expired(fromRv, oldest - 1);
        }

        var events = new List<StoreEvent>();
        for (var i = 0; i < _count; i++)
        {
            var e = At(i).Event;
            if (e.ResourceVersion > fromRv && wanted(e))
            {
                events.Add(e);
            }
        }

        return events;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_count}/{_ring.Length} events since {ListResourceVersion}");

    private ref (StoreEvent Event, DateTimeOffset At) At(int i) => ref _ring[(_start + i) % _ring.Length];

    private void Resize(DateTimeOffset now)
    {
        if (_count != _ring.Length)
        {
            return;
        }

        if (now - At(0).At < limits.FreshFor)
        {
            var grown = Math.Min(_ring.Length * 2, limits.MaxEvents);
            if (grown > _ring.Length)
            {
                Reallocate(grown);
            }

            return;
        }

        if (now - At(_count - Math.Max(1, _ring.Length / 4)).At > limits.FreshFor)
        {
            var shrunk = Math.Max(_ring.Length / 2, Math.Min(limits.MinEvents, limits.MaxEvents));
            if (shrunk < _ring.Length)
            {
                Reallocate(shrunk);
            }
        }
    }

    private void Reallocate(int capacity)
    {
        var keep = Math.Min(_count, capacity);
        if (keep < _count)
        {
            _removedSinceList = true;
        }

        var ring = new (StoreEvent, DateTimeOffset)[capacity];
        for (var i = 0; i < keep; i++)
        {
            ring[i] = At(_count - keep + i);
        }

        _ring = ring;
        _start = 0;
        _count = keep;
    }
}
