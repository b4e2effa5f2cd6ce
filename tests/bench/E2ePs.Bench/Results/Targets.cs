using System.Globalization;

namespace E2ePs.Bench.Results;

/// <summary>The issue's targets, reported (never asserted) against one run's figures.</summary>
public static class Targets
{
    /// <summary>One line per target: what it is, met or missed, and the figures that say so.</summary>
    public static List<string> Evaluate(IReadOnlyList<ResultSection> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var lines = new List<string>();
        var compared = sections.SelectMany(s => s.Rows.Where(r => r.Ratio is not null).Select(r => (Section: s, Row: r))).ToList();
        var missed = compared.Where(c => c.Row.LowerIsBetter ? c.Row.Ratio > 1.0 : c.Row.Ratio < 1.0).ToList();
        lines.Add(missed.Count == 0
            ? $"**Ratio at most 1.0 (E2ePs no slower, no costlier) in every row: met** ({compared.Count} rows)."
            : $"**Ratio at most 1.0 in every row: missed in {missed.Count} of {compared.Count} rows**: " +
              string.Join("; ", missed.Select(m => $"{m.Section.Title} / {m.Row.Case} / {m.Row.Metric} ({m.Row.DescribeRatio().TrimEnd(' ', '✗')})")) + ".");

        var wait = sections.FirstOrDefault(s => s.Title.StartsWith("Waiting", StringComparison.Ordinal));
        var requests = wait?.Rows.Where(r => r.Metric == "API requests").ToList() ?? [];
        var watches = wait?.Rows.Where(r => r.Metric == "peak open watches").ToList() ?? [];
        if (requests.Count >= 2)
        {
            var first = requests[0];
            var last = requests[^1];
            var constant = last.E2ePs.Median <= (2 * first.E2ePs.Median) + 2 && watches.All(w => w.E2ePs.Median <= watches[0].E2ePs.Median);
            lines.Add($"**Waiting on N jobs costs O(1) watches, not O(N) requests: {(constant ? "met" : "missed")}**: " +
                $"E2ePs made {Number(first.E2ePs.Median)} requests for {first.Case} and {Number(last.E2ePs.Median)} for {last.Case}, " +
                $"with at most {Number(watches.Max(w => w.E2ePs.Max))} watches open; kubectl made {Number(first.Baseline!.Median)} and {Number(last.Baseline!.Median)}.");
        }

        var logs = sections.FirstOrDefault(s => s.Title == "Logs");
        var memory = logs?.Rows.Where(r => r.Metric.StartsWith("peak memory", StringComparison.Ordinal) && r.Case.EndsWith("1 job", StringComparison.Ordinal)).ToList() ?? [];
        var smallest = memory.FirstOrDefault();
        var largest = memory.LastOrDefault(r => r.Case != smallest?.Case);
        if (smallest is not null && largest is not null)
        {
            var pairs = memory.GroupBy(r => r.Metric).Select(g => (Metric: g.Key, Small: g.First().E2ePs.Median, Large: g.Last().E2ePs.Median)).ToList();
            var flat = pairs.All(p => p.Large <= (p.Small * 1.15) + 10);
            lines.Add($"**Log memory flat in the size of the log: {(flat ? "met" : "missed")}**: E2ePs's peak " +
                string.Join("; ", pairs.Select(p => $"{Number(p.Small)} MB at {smallest.Case.Split(',')[0]} and {Number(p.Large)} MB at {largest.Case.Split(',')[0]} ({p.Metric.Replace("peak memory, ", "", StringComparison.Ordinal)})")) +
                " (flat: at most 15 % + 10 MB more for ten times the log).");
        }

        return lines;
    }

    private static string Number(double value) => Measure.Format(value).ToString(CultureInfo.InvariantCulture);
}
