namespace E2ePs.KubeEmulator;

/// <summary>A snapshot of request instrumentation (since start or the last reset).</summary>
public sealed class EmulatorStats
{
    /// <summary>All API requests (admin requests excluded).</summary>
    public long TotalRequests { get; init; }

    /// <summary>Requests per verb: get, list, watch, create, update, patch, delete, deletecollection.</summary>
    public IReadOnlyDictionary<string, long> RequestsByVerb { get; init; } = new Dictionary<string, long>();

    /// <summary>Requests per resource (plural, with subresource, e.g. "pods/log").</summary>
    public IReadOnlyDictionary<string, long> RequestsByResource { get; init; } = new Dictionary<string, long>();

    /// <summary>Requests per "verb resource", e.g. "watch pods".</summary>
    public IReadOnlyDictionary<string, long> RequestsByVerbAndResource { get; init; } = new Dictionary<string, long>();

    /// <summary>pods/log requests per "namespace/pod/container" (those that named or implied a valid container).</summary>
    public IReadOnlyDictionary<string, long> LogRequestsByContainer { get; init; } = new Dictionary<string, long>();

    /// <summary>Watches open now.</summary>
    public long OpenWatches { get; init; }

    /// <summary>Most watches open at the same time.</summary>
    public long PeakOpenWatches { get; init; }

    /// <summary>TCP connections open now.</summary>
    public long OpenConnections { get; init; }

    /// <summary>Most TCP connections open at the same time.</summary>
    public long PeakConcurrentConnections { get; init; }

    /// <summary>Response body bytes written.</summary>
    public long BytesServed { get; init; }
}
