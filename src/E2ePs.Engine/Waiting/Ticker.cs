namespace E2ePs.Engine.Waiting;

/// <summary>A periodic nudge for waits that must notice time passing while nothing changes in the cluster.</summary>
internal static class Ticker
{
    /// <summary>Calls <paramref name="tick"/> every <paramref name="period"/>, but at least once a second, until cancelled.</summary>
    public static async Task RunAsync(TimeSpan period, Action tick, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period < TimeSpan.FromSeconds(1) ? period : TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            tick();
        }
    }
}
