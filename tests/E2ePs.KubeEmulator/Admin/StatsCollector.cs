using System.Collections.Concurrent;

namespace E2ePs.KubeEmulator.Admin;

/// <summary>Counters updated by every request; cheap enough for the hot path (interlocked adds).</summary>
internal sealed class StatsCollector
{
    private ConcurrentDictionary<string, long> _byVerb = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, long> _byResource = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, long> _byVerbResource = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, long> _logsByContainer = new(StringComparer.Ordinal);
    private long _total;
    private long _openWatches;
    private long _peakWatches;
    private long _openConnections;
    private long _peakConnections;
    private long _bytes;

    public void Request(string verb, string resource)
    {
        Interlocked.Increment(ref _total);
        _byVerb.AddOrUpdate(verb, 1, (_, v) => v + 1);
        _byResource.AddOrUpdate(resource, 1, (_, v) => v + 1);
        _byVerbResource.AddOrUpdate(verb + " " + resource, 1, (_, v) => v + 1);
    }

    /// <summary>A pods/log request that got as far as choosing its container ("ns/pod/container").</summary>
    public void LogRequest(string ns, string pod, string container) =>
        _logsByContainer.AddOrUpdate(ns + "/" + pod + "/" + container, 1, (_, v) => v + 1);

    public void WatchOpened() => Peak(Interlocked.Increment(ref _openWatches), ref _peakWatches);

    public void WatchClosed() => Interlocked.Decrement(ref _openWatches);

    public void ConnectionOpened() => Peak(Interlocked.Increment(ref _openConnections), ref _peakConnections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _openConnections);

    public void BytesWritten(long n) => Interlocked.Add(ref _bytes, n);

    private static void Peak(long value, ref long peak)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, seen) != seen)
        {
        }
    }

    public EmulatorStats Snapshot() => new()
    {
        TotalRequests = Interlocked.Read(ref _total),
        RequestsByVerb = new SortedDictionary<string, long>(_byVerb, StringComparer.Ordinal),
        RequestsByResource = new SortedDictionary<string, long>(_byResource, StringComparer.Ordinal),
        RequestsByVerbAndResource = new SortedDictionary<string, long>(_byVerbResource, StringComparer.Ordinal),
        LogRequestsByContainer = new SortedDictionary<string, long>(_logsByContainer, StringComparer.Ordinal),
        OpenWatches = Interlocked.Read(ref _openWatches),
        PeakOpenWatches = Interlocked.Read(ref _peakWatches),
        OpenConnections = Interlocked.Read(ref _openConnections),
        PeakConcurrentConnections = Interlocked.Read(ref _peakConnections),
        BytesServed = Interlocked.Read(ref _bytes),
    };

    /// <summary>Zeroes the counters; peaks restart from what is open now.</summary>
    public void Reset()
    {
        _byVerb = new(StringComparer.Ordinal);
        _byResource = new(StringComparer.Ordinal);
        _byVerbResource = new(StringComparer.Ordinal);
        _logsByContainer = new(StringComparer.Ordinal);
        Interlocked.Exchange(ref _total, 0);
        Interlocked.Exchange(ref _bytes, 0);
        Interlocked.Exchange(ref _peakWatches, Interlocked.Read(ref _openWatches));
        Interlocked.Exchange(ref _peakConnections, Interlocked.Read(ref _openConnections));
    }
}
