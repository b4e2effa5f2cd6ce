using E2ePs.Bench.Infrastructure;
using E2ePs.Bench.Results;

namespace E2ePs.Bench.Sections;

/// <summary>
/// Import-Module E2ePs in a fresh pwsh next to importing an empty binary module, and the first cluster
/// call after the import (Remove-E2eJob of a job that does not exist: one GET answered 404) next to
/// the same call made with kubectl (kubectl delete --ignore-not-found, one DELETE answered 404).
/// </summary>
public static class StartupBenchmark
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    public static async Task<ResultSection> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = new ResultSection("Start-up", "baseline");
        var importE2ePs = new Measure("ms");
        var importEmpty = new Measure("ms");
        var processE2ePs = new Measure("ms");
        var processEmpty = new Measure("ms");
        var firstCall = new Measure("ms");
        var secondCall = new Measure("ms");
        var kubectlCall = new Measure("ms");
        var firstCallMemory = new Measure("MB");
        var kubectlMemory = new Measure("MB");
        var kubectlArguments = new[] { "delete", "job", "test-bench-absent-e2e", "--ignore-not-found", "-n", "default" };

        // kubectl caches discovery on disk; one call first, so every measured call finds the cache as a user's would.
        using (var warm = context.StartKubectl(kubectlArguments))
        {
            await warm.WaitForSuccessAsync(s_limit, cancellationToken);
        }

        for (var rep = 0; rep < context.Repetitions; rep++)
        {
            context.Log($"start-up {rep + 1}/{context.Repetitions}");
            using (var e2ePs = context.StartPwsh("Measure-Startup.ps1", "-Module", context.ModuleManifest))
            {
                await e2ePs.WaitForSuccessAsync(s_limit, cancellationToken);
                importE2ePs.Add(e2ePs.Number("import-ms"));
                processE2ePs.Add(e2ePs.Wall.TotalMilliseconds);
            }

            using (var empty = context.StartPwsh("Measure-Startup.ps1", "-Module", context.EmptyModule))
            {
                await empty.WaitForSuccessAsync(s_limit, cancellationToken);
                importEmpty.Add(empty.Number("import-ms"));
                processEmpty.Add(empty.Wall.TotalMilliseconds);
            }

            using (var calls = context.StartPwsh("Measure-Startup.ps1", "-Module", context.ModuleManifest, "-Kubeconfig", context.Emulator.KubeconfigPath))
            {
                await calls.WaitForSuccessAsync(s_limit, cancellationToken);
                foreach (var call in new[] { "first", "second" })
                {
                    var error = calls.Fact($"{call}-call-error");
                    if (!error.StartsWith("JobNotFound", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"The {call} Remove-E2eJob call did not reach the cluster as expected: {error}");
                    }
                }

                firstCall.Add(calls.Number("first-call-ms"));
                secondCall.Add(calls.Number("second-call-ms"));
                firstCallMemory.Add(calls.PeakKilobytes / 1024.0);
            }

            using var kubectl = context.StartKubectl(kubectlArguments);
            await kubectl.WaitForSuccessAsync(s_limit, cancellationToken);
            kubectlCall.Add(kubectl.Wall.TotalMilliseconds);
            kubectlMemory.Add(kubectl.PeakKilobytes / 1024.0);
        }

        section.Add("Import-Module (in the process)", "time", importE2ePs, importEmpty);
        section.Add("pwsh -c Import-Module, whole process", "wall time", processE2ePs, processEmpty);
        section.Add("first cluster call after import", "time", firstCall, kubectlCall);
        section.Add("second cluster call (warm)", "time", secondCall, kubectlCall);
        section.Add("process with import and both calls", "peak memory (VmHWM)", firstCallMemory, kubectlMemory);
        section.Method.Add("Baselines: for the two import rows, `Import-Module` of an empty binary module (one cmdlet class, net8.0, " +
            "compiled against PowerShellStandard.Library: `tests/bench/E2ePs.Bench.EmptyModule`); for the cluster calls and memory, " +
            "`kubectl delete job test-bench-absent-e2e --ignore-not-found -n default` as a whole process (discovery already cached on disk, as for any user who ran kubectl before).");
        section.Method.Add("The first cluster call is `Remove-E2eJob -Name bench-absent -ErrorAction SilentlyContinue` right after the import: " +
            "it loads the engine into its private load context, reads the kubeconfig, builds the client and sends one GET (404, reported as JobNotFound). " +
            "kubectl's equivalent sends one DELETE (404).");
        section.Method.Add("Reproduce: `pwsh -NoProfile -File tests/bench/scripts/Measure-Startup.ps1 -Module ./E2ePs.psd1 -Kubeconfig <kubeconfig>` " +
            "and `time kubectl delete job test-bench-absent-e2e --ignore-not-found -n default`.");
        return section;
    }
}
