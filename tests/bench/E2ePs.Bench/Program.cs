using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using E2ePs.Bench;
using E2ePs.Bench.Infrastructure;
using E2ePs.Bench.Report;
using E2ePs.Bench.Results;
using E2ePs.Bench.Sections;

// The benchmark harness: E2ePs next to kubectl against the emulator, writing docs/benchmarks.md.
// Exits 0 after any run that produced figures, however slow; 2 when it could not run at all, 1 when a
// section failed (the report then lists it).
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception error) when (error is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync($"error: {error.Message}");
    await Console.Error.WriteLineAsync("usage: E2ePs.Bench --repository-root DIR [--pwsh PATH] [--kubectl PATH] [--configuration Release] [--repetitions 3] [--section startup,scaffold,start,wait,logs] [--quick] [--output FILE.md] [--chart FILE.png]");
    return 2;
}

var root = options.RepositoryRoot;
var emulatorDll = Path.Combine(root, "tests/E2ePs.KubeEmulator/bin", options.Configuration, "net10.0/E2ePs.KubeEmulator.dll");
var missing = new[]
    {
        Path.Combine(root, "E2ePs.psd1"), Path.Combine(root, "bin/E2ePs.dll"), emulatorDll,
        Path.Combine(root, "tests/bench/E2ePs.Bench.EmptyModule/bin", options.Configuration, "net8.0/E2ePs.Bench.EmptyModule.dll"),
        options.Kubectl,
    }
    .Where(path => !File.Exists(path)).ToList();
if (missing.Count > 0)
{
    await Console.Error.WriteLineAsync($"error: missing {string.Join(", ", missing)}; build first (./build.ps1) and install kubectl.");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var clock = Stopwatch.StartNew();
var work = Directory.CreateTempSubdirectory("e2eps-bench-").FullName;
string[] emulatorArguments = ["--nodes", "6", "--node-cpu", "64", "--node-memory", "256Gi", "--time-step-ms", "10", "--container-log-max-size", "0"];
var sections = new List<ResultSection>();
var failures = new List<string>();
BenchContext? context = null;
try
{
    var repository = await CreateRepositoryAsync(work, cancel.Token);
    await using var emulator = await EmulatorProcess.StartAsync(emulatorDll, Path.Combine(work, "kubeconfig"), emulatorArguments, cancel.Token);
    var scenarios = new JsonArray();
    foreach (var group in new[] { StartBenchmark.Scenarios(), WaitBenchmark.Scenarios(WaitBenchmark.BaseDurationMs), LogBenchmark.Scenarios([.. LogBenchmark.Sizes(options.Quick), LogBenchmark.MultiMegabytes]) })
    {
        foreach (var scenario in group)
        {
            scenarios.Add(scenario!.DeepClone());
        }
    }

    await emulator.AddScenariosAsync(scenarios, cancel.Token);
    context = new BenchContext(options, emulator, work);
    var runs = new (string Name, Func<Task<ResultSection>> Run)[]
    {
        ("startup", () => StartupBenchmark.RunAsync(context, cancel.Token)),
        ("scaffold", () => ScaffoldBenchmark.RunAsync(context, repository, cancel.Token)),
        ("start", () => StartBenchmark.RunAsync(context, repository, cancel.Token)),
        ("wait", () => WaitBenchmark.RunAsync(context, cancel.Token)),
        ("logs", () => LogBenchmark.RunAsync(context, cancel.Token)),
    };
    foreach (var (name, run) in runs.Where(r => options.Runs(r.Name)))
    {
        try
        {
            var section = await run();
            sections.Add(section);
            Console.WriteLine(MarkdownReport.Table(section));
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            failures.Add($"{name}: {error.GetType().Name}: {error.Message}");
            context.Log($"section {name} failed: {error}");
        }
    }
}
catch (Exception error) when (error is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or HttpRequestException)
{
    await Console.Error.WriteLineAsync($"error: the benchmark could not run: {error.Message}");
    return 2;
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // A process still closing a file; the temporary folder is cleaned up by the system.
    }
}

if (sections.Count == 0)
{
    await Console.Error.WriteLineAsync($"error: no benchmark ran: {string.Join("; ", failures)}");
    return 2;
}

var targets = Targets.Evaluate(sections);
foreach (var target in targets)
{
    Console.WriteLine(target);
}

string? chartName = null;
if (options.Chart is not null && context is not null && context.Charts.Count > 0)
{
    await File.WriteAllBytesAsync(options.Chart, LineChart.Draw(context.Charts));
    chartName = Path.GetFileName(options.Chart);
    Console.WriteLine($"Wrote {options.Chart}");
}

var analysis = Path.Combine(root, "tests/bench/benchmarks-analysis.md");
var report = MarkdownReport.Write(new ReportInput
{
    Sections = sections,
    Machine = await MachineFactsAsync(options),
    Targets = targets,
    EmulatorArguments = emulatorArguments,
    Failures = failures,
    Repetitions = options.Repetitions,
    Quick = options.Quick,
    Duration = clock.Elapsed,
    ChartFile = chartName,
    Analysis = File.Exists(analysis) ? await File.ReadAllTextAsync(analysis) : null,
});
if (options.Output is not null)
{
    await File.WriteAllTextAsync(options.Output, report);
    Console.WriteLine($"Wrote {options.Output} ({clock.Elapsed.TotalMinutes:0.0} minutes)");
}

return failures.Count == 0 ? 0 : 1;

// A git repository with an origin remote, where New-E2eJob scaffolds the jobs.
static async Task<string> CreateRepositoryAsync(string work, CancellationToken cancellationToken)
{
    var repository = Path.Combine(work, "repo");
    Directory.CreateDirectory(repository);
    foreach (var arguments in new[] { new[] { "init", "-q", "-b", "main" }, ["remote", "add", "origin", "https://github.com/example/shop.git"] })
    {
        using var git = MeasuredProcess.Start("git", arguments, repository);
        await git.WaitForSuccessAsync(TimeSpan.FromMinutes(1), cancellationToken);
    }

    return repository;
}

static async Task<List<string>> MachineFactsAsync(BenchOptions options)
{
    var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    var memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
    var os = File.Exists("/etc/os-release")
        ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription
        : RuntimeInformation.OSDescription;
    var pwsh = options.Pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ("dotnet", new[] { options.Pwsh }) : (options.Pwsh, Array.Empty<string>());
    var pwshVersion = await FirstLineAsync(pwsh.Item1, [.. pwsh.Item2, "-NoProfile", "-NonInteractive", "-Command", "$PSVersionTable.PSVersion.ToString()"]);
    var kubectlVersion = await FirstLineAsync(options.Kubectl, ["version", "--client"]);
    return
    [
        $"Machine: {Environment.ProcessorCount} cores ({cpu}), {memory} memory, {os}, {RuntimeInformation.OSArchitecture}.",
        $"PowerShell {pwshVersion} on {RuntimeInformation.FrameworkDescription} (the harness's runtime); kubectl: {kubectlVersion}.",
        $"Run on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.",
    ];
}

static async Task<string> FirstLineAsync(string file, string[] arguments)
{
    try
    {
        using var process = MeasuredProcess.Start(file, arguments);
        await process.WaitForExitAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        return process.Output.Count > 0 ? process.Output[0].Trim() : "unknown";
    }
    catch (Exception error) when (error is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
    {
        return "unknown";
    }
}
