namespace E2ePs.KubeEmulator;

/// <summary>Faults to inject. Counters (…Count) are consumed as requests hit them; zero or null disables a fault.</summary>
public sealed class FaultSettings
{
    /// <summary>Close each watch stream after this many events.</summary>
    public int WatchCloseAfterEvents { get; set; }

    /// <summary>Close each watch stream after this many seconds.</summary>
    public double WatchCloseAfterSeconds { get; set; }

    /// <summary>Answer the next N watches that give a non-zero resourceVersion with an ERROR event 410 Expired.</summary>
    public int RewatchGoneCount { get; set; }

    /// <summary>Answer the next N API requests with 429 TooManyRequests and Retry-After.</summary>
    public int TooManyRequestsCount { get; set; }

    /// <summary>Retry-After seconds of the 429 answers.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Answer the next N matching API requests with <see cref="ServerErrorCode"/>.</summary>
    public int ServerErrorCount { get; set; }

    /// <summary>500 (InternalError) or 503 (ServiceUnavailable).</summary>
    public int ServerErrorCode { get; set; } = 500;

    /// <summary>Only requests of this verb (get, list, watch, create, update, patch, delete) get server errors; null: any.</summary>
    public string? ServerErrorVerb { get; set; }

    /// <summary>Only requests for this resource (plural, e.g. "jobs") get server errors; null: any.</summary>
    public string? ServerErrorResource { get; set; }

    /// <summary>Latency added to every API request.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Cut log streams after this many bytes (the connection is closed mid-stream).</summary>
    public long LogCutAfterBytes { get; set; }

    /// <summary>Cut log streams after this many lines.</summary>
    public long LogCutAfterLines { get; set; }

    /// <summary>Abort the connection of the next N API requests (a TCP reset for the client).</summary>
    public int ResetConnectionCount { get; set; }
}
