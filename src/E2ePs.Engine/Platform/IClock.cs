namespace E2ePs.Engine.Platform;

/// <summary>
/// The time the engine judges by: when a run ended, how long an image pull has been failing, how long
/// a followed log has been quiet. A seam, so a test can move time on instead of waiting for it; waiting
/// itself (Task.Delay, timers) stays real.
/// </summary>
public interface IClock
{
    /// <summary>The current time, UTC.</summary>
    DateTimeOffset UtcNow { get; }

    /// <summary>
    /// A monotonic count of milliseconds for measuring how long something took; unlike
    /// <see cref="UtcNow"/> it does not jump when the wall clock is set.
    /// </summary>
    long TickCount64 { get; }
}
