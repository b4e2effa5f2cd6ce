using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>Which runs of a job Remove-E2eJob removes: pure, so its table tests need no cluster.</summary>
public static class RunSelection
{
    /// <summary>
    /// The runs to remove of <paramref name="runs"/> (oldest first): all of them, but never the newest
    /// <paramref name="keep"/>, and only those started before <paramref name="startedBefore"/> when given.
    /// A run with no start time is never "older than" anything.
    /// </summary>
    public static IReadOnlyList<E2eRun> ToRemove(IReadOnlyList<E2eRun> runs, int? keep, DateTimeOffset? startedBefore)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var candidates = keep is { } k ? runs.Take(Math.Max(0, runs.Count - k)) : runs;
        return candidates.Where(r => startedBefore is not { } limit || r.StartTime is { } start && start < limit).ToList();
    }
}
