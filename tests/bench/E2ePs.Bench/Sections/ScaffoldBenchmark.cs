using System.Globalization;
using E2ePs.Bench.Results;

namespace E2ePs.Bench.Sections;

/// <summary>
/// New-E2eJob for 100 jobs in one pwsh (a loop), next to the hand-written way it replaces: copying an
/// existing job's three files and replacing its name with Get-Content, -replace and Set-Content.
/// </summary>
public static class ScaffoldBenchmark
{
    public const int Count = 100;
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    public static async Task<ResultSection> RunAsync(BenchContext context, string repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = new ResultSection("Scaffolding", "copy and replace");
        var perJob = new Dictionary<string, Measure>(StringComparer.Ordinal) { ["E2ePs"] = new("ms"), ["Copy"] = new("ms") };
        var total = new Dictionary<string, Measure>(StringComparer.Ordinal) { ["E2ePs"] = new("ms"), ["Copy"] = new("ms") };
        for (var rep = 0; rep < context.Repetitions; rep++)
        {
            foreach (var mode in new[] { "E2ePs", "Copy" })
            {
                context.Log($"scaffold {Count} jobs, {mode}, {rep + 1}/{context.Repetitions}");
                var milliseconds = await ScaffoldAsync(context, repository, mode, cancellationToken);
                total[mode].Add(milliseconds);
                perJob[mode].Add(milliseconds / Count);
            }
        }

        section.Add($"{Count} jobs in one process", "time per job", perJob["E2ePs"], perJob["Copy"]);
        section.Add($"{Count} jobs in one process", "total (after Import-Module)", total["E2ePs"], total["Copy"]);
        section.Method.Add($"E2ePs: `New-E2eJob -Name sc<i> -TestPath tests/e2e/test_sc<i>.py -Namespace bench-start -Image bench.local/start:1 -Force` for i = 1..{Count} in a loop, " +
            "in a git repository with an origin remote (New-E2eJob asks git for the origin URL and the branch, once per job). " +
            "Baseline: what a person's script would do instead, copying the files of job sc1 and replacing `sc1` by the new name (`Get-Content -Raw`, `-replace`, `Set-Content`), for cp1..cp100. " +
            "Both in one pwsh process, timed inside it; E2ePs's import is not counted (see Start-up).");
        section.Method.Add($"Reproduce: `pwsh -NoProfile -File tests/bench/scripts/Measure-Scaffold.ps1 -Module ./E2ePs.psd1 -Path <git repository> -Count {Count} -Mode E2ePs` (then `-Mode Copy`).");
        return section;
    }

    /// <summary>Scaffolds the jobs sc1..sc100 (E2ePs) or cp1..cp100 (Copy) and returns the milliseconds it took inside pwsh.</summary>
    public static async Task<double> ScaffoldAsync(BenchContext context, string repository, string mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var pwsh = context.StartPwsh("Measure-Scaffold.ps1", "-Module", context.ModuleManifest, "-Path", repository,
            "-Count", Count.ToString(CultureInfo.InvariantCulture), "-Mode", mode);
        await pwsh.WaitForSuccessAsync(s_limit, cancellationToken);
        return pwsh.Number("scaffold-ms");
    }
}
