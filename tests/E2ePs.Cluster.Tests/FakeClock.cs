using E2ePs.Engine.Platform;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// A clock the test moves: fixed at <see cref="Now"/>, or, with <see cref="StepPerRead"/>, an hour (or
/// whatever step) later at every read, so any two reads are that far apart however fast the code runs.
/// </summary>
public sealed class FakeClock(DateTimeOffset start) : IClock
{
    private readonly object _gate = new();
    private DateTimeOffset _now = start;
    private long _ticks;

    /// <summary>How far each read moves the clock on; zero keeps it still.</summary>
    public TimeSpan StepPerRead { get; init; }

    /// <summary>The time the next read returns.</summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    /// <inheritdoc />
    public DateTimeOffset UtcNow
    {
        get
        {
            lock (_gate)
            {
                var now = _now;
                _now += StepPerRead;
                return now;
            }
        }
    }

    /// <inheritdoc />
    public long TickCount64
    {
        get
        {
            lock (_gate)
            {
                var ticks = _ticks;
                _ticks += (long)StepPerRead.TotalMilliseconds;
                return ticks;
            }
        }
    }
}
