using System.Globalization;

namespace E2ePs.Bench.Report;

/// <summary>
/// Draws the panels side by side: x is the number of jobs (logarithmic), y the figure, one line per
/// tool with a dot at each measured size and its value written next to the last one.
/// </summary>
public static class LineChart
{
    private const int PanelWidth = 440;
    private const int Height = 400;
    private const int Left = 70;
    private const int Right = 30;
    private const int Top = 56;
    private const int Bottom = 70;

    private static readonly Rgb s_ink = new(40, 40, 40);
    private static readonly Rgb s_grid = new(200, 200, 200);
    private static readonly Dictionary<string, Rgb> s_colours = new(StringComparer.Ordinal)
    {
        ["E2ePs"] = new(31, 119, 180),
        ["kubectl"] = new(230, 120, 20),
    };

    /// <summary>The chart of <paramref name="panels"/> as PNG.</summary>
    public static byte[] Draw(IReadOnlyList<ChartPanel> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        var canvas = new Canvas(Math.Max(1, panels.Count) * PanelWidth, Height);
        for (var p = 0; p < panels.Count; p++)
        {
            DrawPanel(canvas, panels[p], p * PanelWidth);
        }

        return canvas.ToPng();
    }

    private static void DrawPanel(Canvas canvas, ChartPanel panel, int offset)
    {
        var points = panel.Series.Values.SelectMany(s => s).Where(pt => double.IsFinite(pt.Y)).ToList();
        if (points.Count == 0)
        {
            return;
        }

        var plotLeft = offset + Left;
        var plotRight = offset + PanelWidth - Right;
        var plotTop = Top;
        var plotBottom = Height - Bottom;
        canvas.Text(offset + ((PanelWidth - Canvas.TextWidth(panel.Title)) / 2), 14, panel.Title, s_ink);

        var xs = points.Select(pt => pt.X).Distinct().Order().ToList();
        double xMin = Math.Log10(xs[0]), xMax = Math.Log10(xs[^1]);
        if (xMax <= xMin)
        {
            xMax = xMin + 1;
        }

        var (yTicks, yOf) = panel.LogarithmicY ? LogScale(points.Select(pt => pt.Y)) : LinearScale(points.Select(pt => pt.Y));
        double X(double jobs) => plotLeft + ((Math.Log10(jobs) - xMin) / (xMax - xMin) * (plotRight - plotLeft));
        double Y(double value) => plotBottom - (yOf(value) * (plotBottom - plotTop));

        foreach (var tick in yTicks)
        {
            var y = (int)Math.Round(Y(tick));
            canvas.Dotted(plotLeft, y, plotRight, y, s_grid);
            var label = Label(tick);
            canvas.Text(plotLeft - 6 - Canvas.TextWidth(label), y - 8, label, s_ink);
        }

        foreach (var jobs in xs)
        {
            var x = (int)Math.Round(X(jobs));
            canvas.Dotted(x, plotTop, x, plotBottom, s_grid);
            var label = Label(jobs);
            canvas.Text(x - (Canvas.TextWidth(label) / 2), plotBottom + 8, label, s_ink);
        }

        canvas.Line(plotLeft, plotBottom, plotRight, plotBottom, s_ink);
        canvas.Line(plotLeft, plotTop, plotLeft, plotBottom, s_ink);
        const string XTitle = "jobs";
        canvas.Text(offset + ((PanelWidth - Canvas.TextWidth(XTitle)) / 2), plotBottom + 30, XTitle, s_ink);

        var legendX = plotLeft + 8;
        foreach (var (name, series) in panel.Series)
        {
            var colour = s_colours.GetValueOrDefault(name, s_ink);
            var ordered = series.Where(pt => double.IsFinite(pt.Y)).OrderBy(pt => pt.X).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                canvas.Line(X(ordered[i - 1].X), Y(ordered[i - 1].Y), X(ordered[i].X), Y(ordered[i].Y), colour, thickness: 3);
            }

            foreach (var (x, y) in ordered)
            {
                canvas.Fill((int)Math.Round(X(x)) - 4, (int)Math.Round(Y(y)) - 4, 9, 9, colour);
            }

            if (ordered.Count > 0)
            {
                var last = ordered[^1];
                var text = Label(last.Y);
                canvas.Text((int)Math.Round(X(last.X)) - Canvas.TextWidth(text) - 8, (int)Math.Round(Y(last.Y)) - 20, text, colour);
            }

            canvas.Fill(legendX, 36, 14, 14, colour);
            legendX += 20 + canvas.Text(legendX + 20, 36, name, colour) + 16;
        }
    }

    /// <summary>Decades that cover the values; the position is the fraction of the decades' span.</summary>
    private static (List<double> Ticks, Func<double, double> Position) LogScale(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0).DefaultIfEmpty(1).ToList();
        var low = Math.Floor(Math.Log10(positive.Min()));
        var high = Math.Ceiling(Math.Log10(positive.Max()));
        if (high <= low)
        {
            high = low + 1;
        }

        var ticks = new List<double>();
        for (var e = low; e <= high; e++)
        {
            ticks.Add(Math.Pow(10, e));
        }

        return (ticks, v => (Math.Log10(Math.Max(v, Math.Pow(10, low))) - low) / (high - low));
    }

    /// <summary>Round steps of 1, 2 or 5 times a power of ten from 0 (or the lowest negative value) to above the highest value.</summary>
    private static (List<double> Ticks, Func<double, double> Position) LinearScale(IEnumerable<double> values)
    {
        var all = values.ToList();
        var low = Math.Min(0, all.Min());
        var high = Math.Max(all.Max(), low + 1);
        var rough = (high - low) / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        low = Math.Floor(low / step) * step;
        high = Math.Ceiling(high / step) * step;
        var ticks = new List<double>();
        for (var t = low; t <= high + (step / 2); t += step)
        {
            ticks.Add(t);
        }

        return (ticks, v => (v - low) / (high - low));
    }

    private static string Label(double value) => Math.Abs(value) switch
    {
        >= 10_000 => (value / 1000).ToString("0", CultureInfo.InvariantCulture) + "k",
        >= 1 or 0 => value.ToString("0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
