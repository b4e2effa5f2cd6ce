namespace E2ePs.KubeEmulator.Faults;

/// <summary>The faults in force; counters are consumed atomically by the requests they hit.</summary>
internal sealed class FaultInjector(FaultSettings initial)
{
    private readonly Lock _lock = new();
    private FaultSettings _settings = Copy(initial);

    public FaultSettings Current
    {
        get
        {
            lock (_lock)
            {
                return Copy(_settings);
            }
        }
    }

    public void Set(FaultSettings settings)
    {
        lock (_lock)
        {
            _settings = Copy(settings);
        }
    }

    public void Clear() => Set(new FaultSettings());

    private static FaultSettings Copy(FaultSettings s) => new()
    {
        WatchCloseAfterEvents = s.WatchCloseAfterEvents,
        WatchCloseAfterSeconds = s.WatchCloseAfterSeconds,
        RewatchGoneCount = s.RewatchGoneCount,
        TooManyRequestsCount = s.TooManyRequestsCount,
        RetryAfterSeconds = s.RetryAfterSeconds,
        ServerErrorCount = s.ServerErrorCount,
        ServerErrorCode = s.ServerErrorCode,
        ServerErrorVerb = s.ServerErrorVerb,
        ServerErrorResource = s.ServerErrorResource,
        LatencyMs = s.LatencyMs,
        LogCutAfterBytes = s.LogCutAfterBytes,
        LogCutAfterLines = s.LogCutAfterLines,
        ResetConnectionCount = s.ResetConnectionCount,
    };

    public bool TakeReset() => Take(s => s.ResetConnectionCount, (s, v) => s.ResetConnectionCount = v);

    public bool TakeTooManyRequests(out int retryAfter)
    {
        lock (_lock)
        {
            retryAfter = Math.Max(0, _settings.RetryAfterSeconds);
            return Take(s => s.TooManyRequestsCount, (s, v) => s.TooManyRequestsCount = v);
        }
    }

    public bool TakeServerError(string verb, string resource, out int code)
    {
        lock (_lock)
        {
            code = _settings.ServerErrorCode == 503 ? 503 : 500;
            if ((_settings.ServerErrorVerb is { } v && v != verb) || (_settings.ServerErrorResource is { } r && r != resource && r != resource.Split('/')[0]))
            {
                return false;
            }

            return Take(s => s.ServerErrorCount, (s, n) => s.ServerErrorCount = n);
        }
    }

    public bool TakeRewatchGone() => Take(s => s.RewatchGoneCount, (s, v) => s.RewatchGoneCount = v);

    private bool Take(Func<FaultSettings, int> get, Action<FaultSettings, int> set)
    {
        lock (_lock)
        {
            var n = get(_settings);
            if (n <= 0)
            {
                return false;
            }

            set(_settings, n - 1);
            return true;
        }
    }
}
