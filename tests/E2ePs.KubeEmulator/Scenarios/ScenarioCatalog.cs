using System.Text.RegularExpressions;

namespace E2ePs.KubeEmulator.Scenarios;

/// <summary>The scenarios in force; the first match wins. Changed at run time through the admin API.</summary>
internal sealed class ScenarioCatalog
{
    private readonly Lock _lock = new();
    private List<ContainerScenario> _scenarios = [];

    public void Add(IEnumerable<ContainerScenario> scenarios)
    {
        lock (_lock)
        {
            _scenarios = [.. _scenarios, .. scenarios];
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _scenarios = [];
        }
    }

    public IReadOnlyList<ContainerScenario> All
    {
        get
        {
            lock (_lock)
            {
                return _scenarios;
            }
        }
    }

    public ContainerScenario? Match(string image, string containerName, string commandLine)
    {
        foreach (var s in All)
        {
            if (Glob(s.Image, image) &&
                (s.ContainerName is null || s.ContainerName == containerName) &&
                (s.CommandContains is null || commandLine.Contains(s.CommandContains, StringComparison.Ordinal)))
            {
                return s;
            }
        }

        return null;
    }

    private static bool Glob(string pattern, string text) =>
        Regex.IsMatch(text, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>The run of a scripted container: explicit lines, then generated ones, then the exit.</summary>
    public static ContainerPlan Plan(ContainerScenario s, int attempt)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(0, s.LineIntervalMs));
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, s.StartDelayMs));
        var lines = s.Lines.Select((text, i) => (delay + (interval * i), text)).ToList();
        var lineLength = Math.Max(16, s.LineLength);
        var generated = s.GenerateLines + (long)(s.LogMegabytes * 1_000_000 / lineLength);
        var generatedStart = lines.Count > 0 ? lines[^1].Item1 + interval : delay;
        var emit = TimeSpan.FromMilliseconds(Math.Max(0, s.EmitDurationMs));
        var writingEnds = generated > 0 ? generatedStart + emit : lines.Count > 0 ? lines[^1].Item1 : TimeSpan.Zero;
        var run = TimeSpan.FromMilliseconds(Math.Max(0, s.DurationMs));
        var exit = s.ExitCodes.Count > 0 ? s.ExitCodes[Math.Min(attempt, s.ExitCodes.Count - 1)] : s.ExitCode;
        return new ContainerPlan(lines, generated, lineLength, generatedStart, emit, run > writingEnds ? run : writingEnds, s.OomKilled ? 137 : exit, s.OomKilled);
    }
}
