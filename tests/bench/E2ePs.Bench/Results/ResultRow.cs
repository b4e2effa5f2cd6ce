using System.Globalization;

namespace E2ePs.Bench.Results;

/// <summary>
/// One row of a table: a figure of E2ePs next to the same figure of the baseline, measured in the same
/// run. <see cref="LowerIsBetter"/> says which way the ratio should go (throughput: higher is better).
/// </summary>
public sealed class ResultRow(string caseName, string metric, Measure e2ePs, Measure? baseline, bool lowerIsBetter = true)
{
    /// <summary>What was measured, e.g. "100 jobs".</summary>
    public string Case { get; } = caseName;

    /// <summary>Which figure, e.g. "API requests".</summary>
    public string Metric { get; } = metric;

    /// <summary>E2ePs's values.</summary>
    public Measure E2ePs { get; } = e2ePs;

    /// <summary>The baseline's values; null where there is nothing to compare with.</summary>
    public Measure? Baseline { get; } = baseline;

    /// <summary>Whether less is better (time, requests, memory) or more (throughput).</summary>
    public bool LowerIsBetter { get; } = lowerIsBetter;

    /// <summary>Median of E2ePs over median of the baseline; null without a baseline.</summary>
    public double? Ratio => Baseline is null || Baseline.Median == 0 ? null : E2ePs.Median / Baseline.Median;

    /// <summary>The ratio as text, with whether it meets the "at most 1.0" target (for throughput: "at least 1.0").</summary>
    public string DescribeRatio()
    {
        if (Ratio is not { } ratio || double.IsNaN(ratio))
        {
            return "–";
        }

        var met = LowerIsBetter ? ratio <= 1.0 : ratio >= 1.0;
        return ratio.ToString("0.00", CultureInfo.InvariantCulture) + (met ? "" : " ✗");
    }
}
