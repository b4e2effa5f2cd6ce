using System.Text.Json.Nodes;
using E2ePs.Bench.Infrastructure;
using E2ePs.Bench.Results;

namespace E2ePs.Bench.Sections;

/// <summary>
/// Reading logs: Get-E2eLog -Follow in a fresh pwsh (objects to Out-Null, objects &gt; file, -Raw chunks to
/// Out-Null, -OutFile, and -Timestamps strings to Out-Null) next to kubectl logs -f to /dev/null (and
/// --timestamps), on finished jobs whose test
/// container logged 10 MB and 100 MB, and on four 10 MB jobs read at once. Figures: throughput of
/// log text and the process's peak resident memory.
/// </summary>
public static class LogBenchmark
{
    public const string Namespace = "logs";
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    /// <summary>Scenarios: image bench.local/logs:&lt;MB&gt; logs that many megabytes in 100-byte lines and succeeds.</summary>
    public static JsonArray Scenarios(IEnumerable<int> megabytes) =>
        [.. megabytes.Distinct().Select(mb => (JsonNode)new JsonObject { ["image"] = $"bench.local/logs:{mb}", ["logMegabytes"] = mb, ["lineLength"] = 100 })];

    /// <summary>The sizes of the single-job cases.</summary>
    public static int[] Sizes(bool quick) => quick ? [10] : [10, 100];

    public const int MultiJobs = 4;
    public const int MultiMegabytes = 10;

    public static async Task<ResultSection> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = new ResultSection("Logs", "kubectl logs -f");
        var emulator = context.Emulator;
        await emulator.CreateNamespaceAsync(Namespace, cancellationToken);
        var cases = Sizes(context.Options.Quick).Select(mb => (Label: $"{mb} MB, 1 job", Jobs: new[] { $"test-log{mb}-e2e" }, Megabytes: (double)mb, Selector: (string?)null)).ToList();
        cases.Add(($"{MultiJobs} jobs × {MultiMegabytes} MB", Enumerable.Range(1, MultiJobs).Select(i => $"test-logm{i}-e2e").ToArray(), MultiJobs * MultiMegabytes, "bench=multi"));
        foreach (var mb in Sizes(context.Options.Quick))
        {
            await CreateJobAsync(emulator, $"test-log{mb}-e2e", mb, null, cancellationToken);
        }

        for (var i = 1; i <= MultiJobs; i++)
        {
            await CreateJobAsync(emulator, $"test-logm{i}-e2e", MultiMegabytes, "multi", cancellationToken);
        }

        await Jobs.WaitUntilAllCompleteAsync(emulator, Namespace, cancellationToken);

        foreach (var (label, jobs, megabytes, selector) in cases)
        {
            var throughput = new Dictionary<string, Measure>(StringComparer.Ordinal);
            var memory = new Dictionary<string, Measure>(StringComparer.Ordinal);
            var growth = new Dictionary<string, Measure>(StringComparer.Ordinal);
            var cpu = new Dictionary<string, Measure>(StringComparer.Ordinal);
            foreach (var variant in new[] { "objects", "> file", "-Raw", "-OutFile", "strings", "kubectl", "kubectl --timestamps" })
            {
                throughput[variant] = new Measure("MB/s");
                memory[variant] = new Measure("MB");
                growth[variant] = new Measure("MB");
                cpu[variant] = new Measure("ms/MB");
            }

            var repetitions = megabytes >= 100 ? context.HeavyRepetitions : context.Repetitions;
            for (var rep = 0; rep < repetitions; rep++)
            {
                foreach (var variant in throughput.Keys)
                {
                    context.Log($"logs {label}, {variant}, {rep + 1}/{repetitions}");
                    var (seconds, peakMb, growthMb, cpuMs) = await MeasureAsync(context, variant, jobs, selector, cancellationToken);
                    throughput[variant].Add(megabytes / seconds);
                    cpu[variant].Add(cpuMs / megabytes);
                    memory[variant].Add(peakMb);
                    growth[variant].Add(growthMb);
                }
            }

            section.Add(label, "throughput, objects | Out-Null vs plain", throughput["objects"], throughput["kubectl"], lowerIsBetter: false);
            section.Add(label, "throughput, objects > file vs plain", throughput["> file"], throughput["kubectl"], lowerIsBetter: false);
            section.Add(label, "throughput, -Raw | Out-Null vs plain", throughput["-Raw"], throughput["kubectl"], lowerIsBetter: false);
            section.Add(label, "throughput, -OutFile vs plain", throughput["-OutFile"], throughput["kubectl"], lowerIsBetter: false);
            section.Add(label, "throughput, -Timestamps strings vs --timestamps", throughput["strings"], throughput["kubectl --timestamps"], lowerIsBetter: false);
            section.Add(label, "CPU time per MB, objects | Out-Null vs plain", cpu["objects"], cpu["kubectl"]);
            section.Add(label, "CPU time per MB, -Raw | Out-Null vs plain", cpu["-Raw"], cpu["kubectl"]);
            section.Add(label, "CPU time per MB, -OutFile vs plain", cpu["-OutFile"], cpu["kubectl"]);
            section.Add(label, "peak memory, objects vs plain", memory["objects"], memory["kubectl"]);
            section.Add(label, "peak memory, -OutFile vs plain", memory["-OutFile"], memory["kubectl"]);
            section.Add(label, "peak memory above the process after import and warm-up, objects", growth["objects"], null);
            section.Add(label, "peak memory above the process after import and warm-up, -OutFile", growth["-OutFile"], null);
            section.Add(label, "peak memory, strings vs --timestamps", memory["strings"], memory["kubectl --timestamps"]);
        }

        section.Method.Add("The jobs are created and finished before the measurements, so every reader gets the whole log as fast as it can take it " +
            "(the emulator writes 100-byte lines; it runs in its own process). Throughput is megabytes of log text (10^6 bytes, timestamps not counted) " +
            "over the time of the `Get-E2eLog -Follow -Container test-runner` pipeline inside pwsh (one container, as `kubectl logs job/…` reads one, so both write the same bytes; without -Container every line would carry kubectl --prefix's `[pod/…/container] `) (after a warm-up `Get-E2eLog -Follow -Tail 1`, so loading the engine and the first use of each call are not counted: see Start-up), or over kubectl's process wall time. " +
            "Peak memory is VmHWM of the measured process: the whole pwsh with E2ePs imported, or kubectl. " +
            "CPU time is user plus system time, far less sensitive to a loaded machine than wall time: of the `Get-E2eLog` pipeline inside pwsh (Process.TotalProcessorTime before and after), " +
            "of kubectl's whole process (/proc/<pid>/stat, so kubectl's own start-up, about 0.1 s, is counted against it).");
        section.Method.Add("Reproduce: `pwsh -NoProfile -File tests/bench/scripts/Measure-Log.ps1 -Module ./E2ePs.psd1 -Kubeconfig <kubeconfig> -Namespace logs -Name test-log100-e2e -Mode Objects|File|Raw|OutFile|Strings` " +
            "next to `kubectl logs -f job/test-log100-e2e -n logs [--timestamps] >/dev/null`; for several jobs, `-Name test-logm1-e2e,…,test-logm4-e2e` " +
            $"(read one after the other, as the pipeline binds them) next to `kubectl logs -f -l bench=multi -n logs --max-log-requests 10 --tail=-1 >/dev/null` (read at once).");
        return section;
    }

    private static async Task CreateJobAsync(EmulatorProcess emulator, string name, int megabytes, string? group, CancellationToken cancellationToken)
    {
        // Get-E2eLog finds a run by the e2eps.io/job label (RunLister), as Start-E2eJob writes it.
        var labels = new JsonObject { ["e2eps.io/job"] = name["test-".Length..^"-e2e".Length] };
        if (group is not null)
        {
            labels["bench"] = group;
        }

        var job = new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject
            {
                ["backoffLimit"] = 0,
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels },
                    ["spec"] = new JsonObject
                    {
                        ["restartPolicy"] = "Never",
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = "test-runner", ["image"] = $"bench.local/logs:{megabytes}" }),
                    },
                },
            },
        };
        await emulator.CreateAsync($"apis/batch/v1/namespaces/{Namespace}/jobs", job, cancellationToken);
    }

    /// <summary>Measure-Log.ps1's -Mode of an E2ePs variant; null for kubectl's.</summary>
    private static string? Mode(string variant) => variant switch
    {
        "objects" => "Objects",
        "> file" => "File",
        "-Raw" => "Raw",
        "-OutFile" => "OutFile",
        "strings" => "Strings",
        _ => null,
    };

    private static async Task<(double Seconds, double PeakMegabytes, double GrowthMegabytes, double CpuMilliseconds)> MeasureAsync(BenchContext context, string variant, string[] jobs, string? selector, CancellationToken cancellationToken)
    {
        if (Mode(variant) is { } mode)
        {
            var arguments = new List<string> { "-Module", context.ModuleManifest, "-Kubeconfig", context.Emulator.KubeconfigPath, "-Namespace", Namespace, "-Name", string.Join(',', jobs), "-Mode", mode };

            using var pwsh = context.StartPwsh("Measure-Log.ps1", [.. arguments]);
            await pwsh.WaitForSuccessAsync(s_limit, cancellationToken);
            var peak = Math.Max(pwsh.PeakKilobytes, (long)pwsh.Number("memory-peak-kb"));
            return (pwsh.Number("log-ms") / 1000, peak / 1024.0, (peak - pwsh.Number("memory-before-kb")) / 1024.0, pwsh.Number("log-cpu-ms"));
        }

        var kubectlArguments = new List<string> { "logs", "-f", "-n", Namespace };
        if (selector is null)
        {
            kubectlArguments.Add($"job/{jobs[0]}");
        }
        else
        {
            // With a selector kubectl reads only the last 10 lines of each pod unless told otherwise.
            kubectlArguments.AddRange(["-l", selector, "--max-log-requests", "10", "--tail=-1"]);
        }

        if (variant == "kubectl --timestamps")
        {
            kubectlArguments.Add("--timestamps");
        }

        using var kubectl = context.StartKubectl(kubectlArguments, discardOutput: true);
        await kubectl.WaitForSuccessAsync(s_limit, cancellationToken);
        return (kubectl.Wall.TotalSeconds, kubectl.PeakKilobytes / 1024.0, 0, kubectl.CpuMilliseconds);
    }
}
