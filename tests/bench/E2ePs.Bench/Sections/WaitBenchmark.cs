using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.Bench.Infrastructure;
using E2ePs.Bench.Report;
using E2ePs.Bench.Results;

namespace E2ePs.Bench.Sections;

/// <summary>
/// Waiting for N jobs that end at staggered times: Wait-E2eJob next to kubectl wait on the same kind of
/// jobs. The figures: time from the last job's completion (the emulator's "Completed" event, stamped to
/// 100 ns in its name) to the command's return, and what the emulator counted between a reset just
/// before the command and its return: requests, peak open connections and watches.
/// </summary>
public static class WaitBenchmark
{
    /// <summary>Distinct run times; job i of N gets bucket i·(Buckets−1)/(N−1), 100 ms apart.</summary>
    public const int Buckets = 20;

    private const int BucketStepMs = 100;
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    /// <summary>Scenarios: image bench.local/wait:b&lt;k&gt; runs <see cref="BaseDurationMs"/> + k·100 ms and succeeds.</summary>
    public static JsonArray Scenarios(int baseDurationMs)
    {
        var scenarios = new JsonArray();
        for (var b = 0; b < Buckets; b++)
        {
            scenarios.Add(new JsonObject { ["image"] = $"bench.local/wait:b{b}", ["durationMs"] = baseDurationMs + (b * BucketStepMs), ["lines"] = new JsonArray("ok") });
        }

        return scenarios;
    }

    /// <summary>Run time of the first bucket: long enough for either waiter (pwsh with the engine loaded, or kubectl) to be watching first.</summary>
    public const int BaseDurationMs = 5000;

    public static async Task<ResultSection> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = new ResultSection("Waiting for N jobs", "kubectl wait");
        var requestsPanel = new ChartPanel("Wait: API requests", logarithmicY: true);
        var latencyPanel = new ChartPanel("Wait: ms after last completion", logarithmicY: true);
        int[] sizes = context.Options.Quick ? [1, 10, 50] : [1, 10, 100, 500];
        var late = new List<string>();
        foreach (var n in sizes)
        {
            var figures = new Dictionary<string, Figures>(StringComparer.Ordinal) { ["E2ePs"] = new(), ["kubectl"] = new() };
            var repetitions = n >= 500 ? context.HeavyRepetitions : context.Repetitions;
            for (var rep = 0; rep < repetitions; rep++)
            {
                foreach (var tool in new[] { "E2ePs", "kubectl" })
                {
                    context.Log($"wait {n} jobs, {tool}, {rep + 1}/{repetitions}");
                    var outcome = await MeasureAsync(context, tool, n, rep, cancellationToken);
                    figures[tool].Add(outcome);
                    if (!outcome.WatchingBeforeFirstCompletion)
                    {
                        late.Add($"{tool} with {n} jobs (repetition {rep + 1})");
                    }
                }
            }

            var e2ePs = figures["E2ePs"];
            var kubectl = figures["kubectl"];
            var jobs = n == 1 ? "1 job" : $"{n} jobs";
            section.Add(jobs, "last completion → return", e2ePs.Latency, kubectl.Latency);
            section.Add(jobs, "API requests", e2ePs.Requests, kubectl.Requests);
            section.Add(jobs, "peak open connections", e2ePs.Connections, kubectl.Connections);
            section.Add(jobs, "peak open watches", e2ePs.Watches, kubectl.Watches);
            requestsPanel.Add("E2ePs", n, e2ePs.Requests.Median);
            requestsPanel.Add("kubectl", n, kubectl.Requests.Median);
            latencyPanel.Add("E2ePs", n, e2ePs.Latency.Median);
            latencyPanel.Add("kubectl", n, kubectl.Latency.Median);
            section.Method.Add($"{jobs}: E2ePs requests by verb (last repetition): {e2ePs.LastDetail}; kubectl: {kubectl.LastDetail}.");
        }

        context.Charts.Add(requestsPanel);
        context.Charts.Add(latencyPanel);
        section.Method.Insert(0, $"Each measurement gets a new namespace with N Jobs (one container each) created by the harness; job i runs " +
            $"{BaseDurationMs} ms + k·{BucketStepMs} ms with k = i·{Buckets - 1}/(N−1), so the jobs end over {(Buckets - 1) * BucketStepMs / 1000.0:0.0} s in {Buckets} waves. " +
            "The emulator's counters are reset right before the waiter is let go: pwsh has by then imported E2ePs and made one call (`Remove-E2eJob` of an absent job), as in a session that has just run Start-E2eJob, " +
            "so its client's connection is already open and counts in its peak; kubectl is started after the reset, as a script would start it. " +
            "and read when it has returned. The last completion is the time stamped in the name of the emulator's last `Completed` event; " +
            "E2ePs's return is when `Wait-E2eJob` returned inside pwsh, kubectl's is when its process exited.");
        section.Method.Insert(1, "Reproduce: `pwsh -NoProfile -File tests/bench/scripts/Measure-Wait.ps1 -Module ./E2ePs.psd1 -Kubeconfig <kubeconfig> -Namespace <ns> -Count <N> -JobPrefix w- -RunIdPrefix <ns>- -NoGate` " +
            "next to `kubectl wait --for=condition=complete --timeout=600s -n <ns> job/w-0 job/w-1 …`, on jobs labelled `e2eps.io/run-id=<ns>-<i>`.");
        if (late.Count > 0)
        {
            section.Findings.Add($"In {late.Count} measurement(s) the first job ended before the waiter had opened its first watch ({string.Join("; ", late)}); " +
                "their latency is still real, but the waiter saw some jobs already finished.");
        }

        return section;
    }

    private static async Task<Outcome> MeasureAsync(BenchContext context, string tool, int n, int rep, CancellationToken cancellationToken)
    {
        var emulator = context.Emulator;
        var ns = $"wait-{n}-{tool.ToLowerInvariant()}-{rep}";
        await emulator.CreateNamespaceAsync(ns, cancellationToken);
        MeasuredProcess? pwsh = null;
        MeasuredProcess? kubectl = null;
        try
        {
            if (tool == "E2ePs")
            {
                pwsh = context.StartPwsh("Measure-Wait.ps1", "-Module", context.ModuleManifest, "-Kubeconfig", emulator.KubeconfigPath,
                    "-Namespace", ns, "-Count", n.ToString(CultureInfo.InvariantCulture), "-JobPrefix", "w-", "-RunIdPrefix", $"{ns}-");
                await pwsh.WaitUntilReadyAsync(cancellationToken);
            }

            await CreateJobsAsync(emulator, ns, n, cancellationToken);
            await emulator.ResetWhenQuietAsync(pwsh is null ? 0 : 1, cancellationToken);
            MeasuredProcess waiter;
            if (pwsh is not null)
            {
                pwsh.Go();
                waiter = pwsh;
            }
            else
            {
                var arguments = new List<string> { "wait", "--for=condition=complete", "--timeout=600s", "-n", ns };
                arguments.AddRange(Enumerable.Range(0, n).Select(i => $"job/w-{i}"));
                kubectl = context.StartKubectl(arguments);
                waiter = kubectl;
            }

            var watching = await FirstWatchAsync(emulator, waiter, cancellationToken);
            await waiter.WaitForSuccessAsync(s_limit, cancellationToken);
            var returned = pwsh is not null ? pwsh.Time("done-ticks") : waiter.ExitedAt;
            var counters = await emulator.CountersAsync(cancellationToken);
            if (pwsh is not null && (int)pwsh.Number("succeeded") != n)
            {
                throw new InvalidOperationException($"Wait-E2eJob reported {pwsh.Fact("succeeded")} of {n} runs succeeded in {ns}.");
            }

            var completions = await CompletionTimesAsync(emulator, ns, cancellationToken);
            if (completions.Count != n)
            {
                throw new InvalidOperationException($"The emulator recorded {completions.Count} of {n} completions in {ns}.");
            }

            return new Outcome(
                (returned - completions.Max()).TotalMilliseconds,
                counters,
                watching is { } w && w <= completions.Min());
        }
        finally
        {
            pwsh?.Dispose();
            kubectl?.Dispose();
            await emulator.DeleteNamespaceAsync(ns, cancellationToken);
        }
    }

    private static async Task CreateJobsAsync(EmulatorProcess emulator, string ns, int n, CancellationToken cancellationToken)
    {
        using var throttle = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
        {
            await throttle.WaitAsync(cancellationToken);
            try
            {
                var bucket = n == 1 ? 0 : i * (Buckets - 1) / (n - 1);
                var labels = new JsonObject { ["e2eps.io/run-id"] = $"{ns}-{i}" };
                var job = new JsonObject
                {
                    ["apiVersion"] = "batch/v1",
                    ["kind"] = "Job",
                    ["metadata"] = new JsonObject { ["name"] = $"w-{i}", ["labels"] = labels },
                    ["spec"] = new JsonObject
                    {
                        ["backoffLimit"] = 0,
                        ["template"] = new JsonObject
                        {
                            ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                            ["spec"] = new JsonObject
                            {
                                ["restartPolicy"] = "Never",
                                ["containers"] = new JsonArray(new JsonObject { ["name"] = "test-runner", ["image"] = $"bench.local/wait:b{bucket}" }),
                            },
                        },
                    },
                };
                await emulator.CreateAsync($"apis/batch/v1/namespaces/{ns}/jobs", job, cancellationToken);
            }
            finally
            {
                throttle.Release();
            }
        }));
    }

    /// <summary>When the emulator first counted an open watch after the reset; null if the waiter ended first.</summary>
    private static async Task<DateTimeOffset?> FirstWatchAsync(EmulatorProcess emulator, MeasuredProcess waiter, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTimeOffset.UtcNow < deadline && !waiter.HasExited)
        {
            var stats = await emulator.GetStatsAsync(cancellationToken);
            if (EmulatorProcess.Long(stats, "peakOpenWatches") > 0)
            {
                return DateTimeOffset.UtcNow;
            }

            await Task.Delay(20, cancellationToken);
        }

        return null;
    }

    /// <summary>When each Job of <paramref name="ns"/> completed, from the emulator's Completed events ("&lt;job&gt;.&lt;UnixNano hex&gt;").</summary>
    private static async Task<List<DateTimeOffset>> CompletionTimesAsync(EmulatorProcess emulator, string ns, CancellationToken cancellationToken)
    {
        var events = await emulator.ListAsync($"api/v1/namespaces/{ns}/events", cancellationToken);
        var times = new List<DateTimeOffset>();
        foreach (var item in events.OfType<JsonObject>())
        {
            if (item["reason"]?.GetValue<string>() != "Completed" || item["involvedObject"]?["kind"]?.GetValue<string>() != "Job")
            {
                continue;
            }

            var name = item["metadata"]!["name"]!.GetValue<string>();
            var nanos = long.Parse(name[(name.LastIndexOf('.') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            times.Add(DateTimeOffset.UnixEpoch.AddTicks(nanos / 100));
        }

        return times;
    }

    private sealed record Outcome(double LatencyMs, EmulatorCounters Counters, bool WatchingBeforeFirstCompletion);

    private sealed class Figures
    {
        public Measure Latency { get; } = new("ms");

        public Measure Requests { get; } = new("");

        public Measure Connections { get; } = new("");

        public Measure Watches { get; } = new("");

        public string LastDetail { get; private set; } = "";

        public void Add(Outcome outcome)
        {
            Latency.Add(outcome.LatencyMs);
            Requests.Add(outcome.Counters.Requests);
            Connections.Add(outcome.Counters.PeakConnections);
            Watches.Add(outcome.Counters.PeakWatches);
            LastDetail = outcome.Counters.ByVerbAndResource;
        }
    }
}
