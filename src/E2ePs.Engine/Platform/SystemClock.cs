namespace E2ePs.Engine.Platform;

/// <summary>The machine's clock.</summary>
public sealed class SystemClock : IClock
{
    /// <summary>The one instance; it has no state.</summary>
    public static SystemClock Instance { get; } = new();

    private SystemClock()
    {
    }

    /// <inheritdoc />
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    /// <inheritdoc />
    public long TickCount64 => Environment.TickCount64;
}
