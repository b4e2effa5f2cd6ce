using System.Text.Json.Nodes;
using E2ePs.Bench.Infrastructure;
using E2ePs.Bench.Report;
using E2ePs.Bench.Results;

namespace E2ePs.Bench.Sections;

/// <summary>
/// Starting 1, 10 and 100 jobs again (each one's previous, finished Job exists; Start-E2eJob leaves it and
/// creates a run's own Job, kubectl deletes and re-creates it): Start-E2eJob in a fresh
/// pwsh next to the hand-written `kubectl delete --ignore-not-found -f` then `kubectl apply -f` of the
/// same manifests. Figures: wall time and API requests.
/// </summary>
public static class StartBenchmark
{
    public const string Namespace = "bench-start";
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    /// <summary>Scenarios: the clone succeeds, and the scaffolded jobs' test container (bench.local/start:1) passes at once.</summary>
    public static JsonArray Scenarios() =>
    [
        new JsonObject { ["image"] = "docker.io/alpine/git:*", ["containerName"] = "clone-repo", ["lines"] = new JsonArray("Cloning branch main", "Cloned commit 1a2b3c4") },
        new JsonObject { ["image"] = "bench.local/start:*", ["lines"] = new JsonArray("1 passed") },
    ];

    public static async Task<ResultSection> RunAsync(BenchContext context, string repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = new ResultSection("Starting N jobs", "kubectl delete + apply");
        var panel = new ChartPanel("Start: ms to start N jobs", logarithmicY: true);
        int[] sizes = context.Options.Quick ? [1, 10] : [1, 10, 100];
        var emulator = context.Emulator;
        await emulator.CreateNamespaceAsync(Namespace, cancellationToken);
        if (!File.Exists(Manifest(repository, ScaffoldBenchmark.Count)))
        {
            context.Log("scaffolding the jobs to start");
            await ScaffoldBenchmark.ScaffoldAsync(context, repository, "E2ePs", cancellationToken);
        }

        // Every measurement starts jobs whose previous Job exists and has finished: the everyday case of running tests again.
        context.Log($"starting all {sizes.Max()} jobs once, unmeasured");
        using (var prime = context.StartKubectl(["apply", .. Files(repository, sizes.Max())]))
        {
            await prime.WaitForSuccessAsync(s_limit, cancellationToken);
        }

        // (jobs, warm): every size in a session that has made a call, and one job also as the first call of a fresh session.
        var cases = sizes.Select(n => (Jobs: n, Warm: true)).Prepend((Jobs: 1, Warm: false)).ToList();
        foreach (var (n, warm) in cases)
        {
            var time = new Dictionary<string, Measure>(StringComparer.Ordinal) { ["E2ePs"] = new("ms"), ["kubectl"] = new("ms") };
            var requests = new Dictionary<string, Measure>(StringComparer.Ordinal) { ["E2ePs"] = new(""), ["kubectl"] = new("") };
            var detail = new Dictionary<string, string>(StringComparer.Ordinal);
            var repetitions = n >= 100 ? context.HeavyRepetitions : context.Repetitions;
            for (var rep = 0; rep < repetitions; rep++)
            {
                foreach (var tool in new[] { "E2ePs", "kubectl" })
                {
                    context.Log($"start {n} jobs{(warm ? "" : " (first call)")}, {tool}, {rep + 1}/{repetitions}");
                    var (milliseconds, counters) = tool == "E2ePs"
                        ? await MeasureE2ePsAsync(context, repository, n, warm, cancellationToken)
                        : await MeasureKubectlAsync(context, repository, n, cancellationToken);
                    time[tool].Add(milliseconds);
                    requests[tool].Add(counters.Requests);
                    detail[tool] = counters.ByVerbAndResource;
                }
            }

            var jobs = (n == 1 ? "1 job" : $"{n} jobs") + (warm ? "" : ", first call of a fresh session");
            section.Add(jobs, "wall time", time["E2ePs"], time["kubectl"]);
            section.Add(jobs, "API requests", requests["E2ePs"], requests["kubectl"]);
            if (warm)
            {
                panel.Add("E2ePs", n, time["E2ePs"].Median);
                panel.Add("kubectl", n, time["kubectl"].Median);
                section.Method.Add($"{jobs}: E2ePs requests by verb (last repetition): {detail["E2ePs"]}; kubectl: {detail["kubectl"]}.");
            }
        }

        context.Charts.Add(panel);
        section.Method.Insert(0, "The jobs are those of the scaffolding benchmark (sc1..sc100, namespace bench-start); before each measurement every Job of the namespace has finished, " +
            "and each job's previous Job exists: kubectl deletes it and creates it again, E2ePs leaves it and creates a Job of the new run's own (test-scN-e2e-<run suffix>). E2ePs: `Start-E2eJob -Name sc1,…,scN -Path <repository>` (default -ThrottleLimit 4) " +
            "in a pwsh that has imported E2ePs and started sc1 once before (as a session that has run Start-E2eJob before; sc1 has finished when the measurement starts), timed inside the process; " +
            "the row \"first call of a fresh session\" leaves that out, so it includes loading the engine, connecting and the first use of each API call. Start-E2eJob resolves the commit to pin (git, locally), applies the ServiceAccount, Role and RoleBinding (server-side dry run first) " +
            "and creates the run's Job, deleting and waiting for nothing. kubectl: `kubectl delete --ignore-not-found -f <manifests>` then `kubectl apply -f <manifests>`, the wall time of both processes.");
        section.Method.Insert(1, "Reproduce: `pwsh -NoProfile -File tests/bench/scripts/Measure-Start.ps1 -Module ./E2ePs.psd1 -Kubeconfig <kubeconfig> -Path <repository> -Name sc1,sc2 -Warm -NoGate` " +
            "next to `kubectl delete --ignore-not-found -f deploy/k8s/99-test-sc1-e2e.yaml -f … && kubectl apply -f …`.");
        return section;
    }

    private static async Task<(double Milliseconds, EmulatorCounters Counters)> MeasureE2ePsAsync(BenchContext context, string repository, int n, bool warm, CancellationToken cancellationToken)
    {
        var names = string.Join(',', Enumerable.Range(1, n).Select(i => $"sc{i}"));
        string[] arguments = ["-Module", context.ModuleManifest, "-Kubeconfig", context.Emulator.KubeconfigPath, "-Path", repository, "-Name", names];
        using var pwsh = context.StartPwsh("Measure-Start.ps1", warm ? [.. arguments, "-Warm"] : arguments);
        await pwsh.WaitUntilReadyAsync(cancellationToken);
        await Jobs.WaitUntilAllCompleteAsync(context.Emulator, Namespace, cancellationToken);
        await context.Emulator.ResetWhenQuietAsync(warm ? 1 : 0, cancellationToken);
        pwsh.Go();
        await pwsh.WaitForSuccessAsync(s_limit, cancellationToken);
        var counters = await context.Emulator.CountersAsync(cancellationToken);
        if ((int)pwsh.Number("started") != n)
        {
            throw new InvalidOperationException($"Start-E2eJob started {pwsh.Fact("started")} of {n} jobs: {pwsh.Errors}");
        }

        return (pwsh.Number("start-ms"), counters);
    }

    private static async Task<(double Milliseconds, EmulatorCounters Counters)> MeasureKubectlAsync(BenchContext context, string repository, int n, CancellationToken cancellationToken)
    {
        await Jobs.WaitUntilAllCompleteAsync(context.Emulator, Namespace, cancellationToken);
        await context.Emulator.ResetWhenQuietAsync(0, cancellationToken);
        using var delete = context.StartKubectl(["delete", "--ignore-not-found", .. Files(repository, n)]);
        await delete.WaitForSuccessAsync(s_limit, cancellationToken);
        using var apply = context.StartKubectl(["apply", .. Files(repository, n)]);
        await apply.WaitForSuccessAsync(s_limit, cancellationToken);
        var counters = await context.Emulator.CountersAsync(cancellationToken);
        return ((apply.ExitedAt - delete.StartedAt).TotalMilliseconds, counters);
    }

    private static string Manifest(string repository, int i) => Path.Combine(repository, "deploy/k8s", $"99-test-sc{i}-e2e.yaml");

    private static IEnumerable<string> Files(string repository, int n) =>
        Enumerable.Range(1, n).SelectMany(i => new[] { "-f", Manifest(repository, i) });
}
