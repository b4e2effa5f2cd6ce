namespace E2ePs.Bench.Report;

/// <summary>One panel of the chart: a figure against the number of jobs, one line per tool.</summary>
public sealed class ChartPanel(string title, bool logarithmicY)
{
    /// <summary>Title drawn above the panel, with its unit.</summary>
    public string Title { get; } = title;

    /// <summary>Whether the y axis is logarithmic (the x axis, the number of jobs, always is).</summary>
    public bool LogarithmicY { get; } = logarithmicY;

    /// <summary>Lines by name ("E2ePs", "kubectl"), each point (jobs, median).</summary>
    public Dictionary<string, List<(double X, double Y)>> Series { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds a point to the named line.</summary>
    public void Add(string series, double x, double y)
    {
        if (!Series.TryGetValue(series, out var points))
        {
            Series[series] = points = [];
        }

        points.Add((x, y));
    }
}
