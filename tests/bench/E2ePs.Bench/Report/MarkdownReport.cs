using System.Globalization;
using System.Text;
using E2ePs.Bench.Results;

namespace E2ePs.Bench.Report;

/// <summary>docs/benchmarks.md: the machine, the targets met or missed, the chart, and one table per section.</summary>
public static class MarkdownReport
{
    /// <summary>The whole page.</summary>
    public static string Write(ReportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks: E2ePs next to kubectl");
        md.AppendLine();
        md.AppendLine("<!-- Written by tests/bench (./build.ps1 -Task Bench); edit tests/bench/benchmarks-analysis.md or the harness, not this file. -->");
        md.AppendLine();
        md.AppendLine("E2ePs has to be at least as fast as the kubectl commands its users would otherwise script by hand, and cheaper on the API server. " +
            "This page is the output of one run of the benchmark harness: every figure of E2ePs stands next to the same figure of kubectl " +
            "(or of a named baseline) measured in the same run, against the Kubernetes API emulator running as a separate process, " +
            "so that the emulator's CPU and memory never count against the measured process.");
        md.AppendLine();
        md.AppendLine("## How to run");
        md.AppendLine();
        md.AppendLine("```powershell");
        md.AppendLine("./build.ps1 -Task Bench      # builds, runs every benchmark, rewrites docs/benchmarks.md and docs/benchmarks.png");
        md.AppendLine("tests/bench/Invoke-Benchmark.ps1 -RepositoryRoot . -Section wait,logs -Repetitions 5   # after a build: some sections, more repetitions");
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("From a shell (bash, a CI step), the same under `pwsh -File`, which passes `wait,logs` as one string that the script splits at the commas:");
        md.AppendLine();
        md.AppendLine("```sh");
        md.AppendLine("dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -RepositoryRoot . -Section wait,logs -Output /tmp/bench.md -Chart /tmp/bench.png");
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("The harness (`tests/bench/E2ePs.Bench`) starts the emulator (`dotnet tests/E2ePs.KubeEmulator/bin/Release/net10.0/E2ePs.KubeEmulator.dll " +
            string.Join(' ', input.EmulatorArguments) + "`), creates the jobs it needs through the API, and runs each measured command in a fresh process: " +
            "`pwsh -NoProfile -NonInteractive -File tests/bench/scripts/Measure-*.ps1 …` for E2ePs, `/usr/bin/kubectl … --kubeconfig <emulator kubeconfig>` for kubectl. " +
            "Request counts, peak open connections and peak open watches come from the emulator's counters (`/_emulator/stats`), reset right before each measured command " +
            "and read when it has returned; the harness's own single HTTP/2 connection is subtracted. Peak memory is `VmHWM` of `/proc/<pid>/status` of the measured process. " +
            "Each section says what exactly it runs; every measurement script can also be run by hand as shown there.");
        md.AppendLine();
        md.Append(CultureInfo.InvariantCulture, $"Figures are medians of {input.Repetitions} repetitions with the spread (min–max) in brackets. ");
        md.AppendLine("The machine is small and noisy, so absolute times move from run to run; the ratios, taken between figures measured side by side in the same run, are the figures that count. " +
            "A ratio is E2ePs's median over the baseline's; ✗ marks a ratio on the wrong side of 1.0 (for throughput, higher is better). Nothing here is asserted: the harness fails only when it cannot run.");
        md.AppendLine();
        md.AppendLine("## This run");
        md.AppendLine();
        foreach (var fact in input.Machine)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {fact}");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- Repetitions: {input.Repetitions}, scaled down to {Math.Min(input.Repetitions, 2)} for the three heaviest cases (waiting on 500 jobs, starting 100 jobs, reading 100 MB) to keep a run near 15 minutes on 2 cores{(input.Quick ? "; quick mode: smaller sizes, not for publishing" : "")}. The whole run, build excluded, took {input.Duration.TotalMinutes:0.0} minutes.");
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        foreach (var line in input.Targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        md.AppendLine();
        if (input.ChartFile is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![How cost grows with the number of jobs: API requests and latency of waiting, and time to start jobs, E2ePs next to kubectl]({input.ChartFile})");
            md.AppendLine();
            md.AppendLine("How cost grows with the number of jobs (medians; every axis is logarithmic).");
            md.AppendLine();
        }

        foreach (var section in input.Sections)
        {
            WriteSection(md, section);
        }

        if (input.Failures.Count > 0)
        {
            md.AppendLine("## Sections that could not run");
            md.AppendLine();
            foreach (var failure in input.Failures)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {failure}");
            }

            md.AppendLine();
        }

        if (!string.IsNullOrWhiteSpace(input.Analysis))
        {
            md.AppendLine(input.Analysis.TrimEnd());
            md.AppendLine();
        }

        return md.ToString();
    }

    /// <summary>One section's table as plain text, for the console.</summary>
    public static string Table(ResultSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"== {section.Title} (baseline: {section.BaselineName})");
        foreach (var row in section.Rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.Case,-34} {row.Metric,-44} E2ePs {row.E2ePs.Describe(),-30} {section.BaselineName} {row.Baseline?.Describe() ?? "–",-30} ratio {row.DescribeRatio()}");
        }

        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static void WriteSection(StringBuilder md, ResultSection section)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"## {section.Title}");
        md.AppendLine();
        foreach (var paragraph in section.Method)
        {
            md.AppendLine(paragraph);
            md.AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"| case | figure | E2ePs | {section.BaselineName} | ratio |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var row in section.Rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(row.Case)} | {Cell(row.Metric)} | {row.E2ePs.Describe()} | {row.Baseline?.Describe() ?? "–"} | {row.DescribeRatio()} |");
        }

        md.AppendLine();
        foreach (var finding in section.Findings)
        {
            md.AppendLine(finding);
            md.AppendLine();
        }
    }
}

/// <summary>Everything the report is written from.</summary>
public sealed class ReportInput
{
    public required IReadOnlyList<ResultSection> Sections { get; init; }

    public required IReadOnlyList<string> Machine { get; init; }

    public required IReadOnlyList<string> Targets { get; init; }

    public required IReadOnlyList<string> EmulatorArguments { get; init; }

    public IReadOnlyList<string> Failures { get; init; } = [];

    public int Repetitions { get; init; }

    public bool Quick { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The chart's file name relative to the page; null when none was drawn.</summary>
    public string? ChartFile { get; init; }

    /// <summary>The hand-written analysis (tests/bench/benchmarks-analysis.md), appended as it is.</summary>
    public string? Analysis { get; init; }
}
