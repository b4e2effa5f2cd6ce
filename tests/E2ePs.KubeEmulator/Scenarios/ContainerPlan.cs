namespace E2ePs.KubeEmulator.Scenarios;

/// <summary>What one run of a container does: its log timeline, how long it runs and how it ends.</summary>
internal sealed record ContainerPlan(
    IReadOnlyList<(TimeSpan Offset, string Text)> Lines,
    long GeneratedLines,
    int LineLength,
    TimeSpan GeneratedStart,
    TimeSpan GeneratedDuration,
    TimeSpan RunTime,
    int ExitCode,
    bool OomKilled);
