using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Validation;

namespace E2ePs.Engine.Listing;

/// <summary>
/// Which listed runs a <see cref="RunQuery"/> keeps, and in which order: oldest first (newest last, as
/// kubectl and Get-History list), the last N after the other filters. Pure, tested with tables.
/// </summary>
public static class RunFilter
{
    /// <summary>The runs of <paramref name="runs"/> the query asks for, oldest first.</summary>
    public static IReadOnlyList<E2eRun> Apply(IEnumerable<E2eRun> runs, RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(query);
        var matchers = query.Names.Select(ValueRules.NameMatcher).ToList();
        var kept = runs
            .Where(r => matchers.Count == 0 || matchers.Any(m => m(r.Name) || m(r.JobName)))
            .Where(r => query.Status.Count == 0 || query.Status.Contains(r.Status))
            .Where(r => string.IsNullOrEmpty(query.RunId) || r.RunId == query.RunId || r.Uid == query.RunId)
            .OrderBy(r => r.StartTime ?? DateTimeOffset.MinValue)
            // Two runs of the same second: the run id (time, then random) and the Job name give a stable order.
            .ThenBy(r => r.RunId, StringComparer.Ordinal)
            .ThenBy(r => r.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.JobName, StringComparer.Ordinal)
            .ToList();
        return query.Last is { } last && kept.Count > last ? kept.GetRange(kept.Count - last, last) : kept;
    }
}
