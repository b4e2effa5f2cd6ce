namespace E2ePs.Bench.Results;

/// <summary>One benchmark's table, with how to reproduce it and what it shows.</summary>
public sealed class ResultSection(string title, string baselineName)
{
    /// <summary>Heading.</summary>
    public string Title { get; } = title;

    /// <summary>Header of the baseline column, e.g. "kubectl".</summary>
    public string BaselineName { get; } = baselineName;

    /// <summary>Rows in order.</summary>
    public List<ResultRow> Rows { get; } = [];

    /// <summary>Markdown: what was measured and how, and the commands to reproduce it.</summary>
    public List<string> Method { get; } = [];

    /// <summary>Markdown: findings, targets met or missed and why.</summary>
    public List<string> Findings { get; } = [];

    /// <summary>Adds a row and returns it.</summary>
    public ResultRow Add(string caseName, string metric, Measure e2ePs, Measure? baseline, bool lowerIsBetter = true)
    {
        var row = new ResultRow(caseName, metric, e2ePs, baseline, lowerIsBetter);
        Rows.Add(row);
        return row;
    }
}
