using System.Diagnostics;
using E2ePs.Bench.Infrastructure;

namespace E2ePs.Bench;

/// <summary>What every benchmark section shares: paths, the emulator, and how to start pwsh and kubectl.</summary>
public sealed class BenchContext(BenchOptions options, EmulatorProcess emulator, string workDirectory)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Options.</summary>
    public BenchOptions Options { get; } = options;

    /// <summary>The emulator process.</summary>
    public EmulatorProcess Emulator { get; } = emulator;

    /// <summary>A scratch folder, removed at the end.</summary>
    public string WorkDirectory { get; } = workDirectory;

    /// <summary>E2ePs's module manifest at the repository root.</summary>
    public string ModuleManifest => Path.Combine(Options.RepositoryRoot, "E2ePs.psd1");

    /// <summary>The empty binary module of the start-up baseline.</summary>
    public string EmptyModule => Path.Combine(Options.RepositoryRoot, "tests/bench/E2ePs.Bench.EmptyModule/bin", Options.Configuration, "net8.0/E2ePs.Bench.EmptyModule.dll");

    /// <summary>The measurement scripts.</summary>
    public string Scripts => Path.Combine(Options.RepositoryRoot, "tests/bench/scripts");

    /// <summary>Panels of the chart, filled by the sections that measure growth with the number of jobs.</summary>
    public List<Report.ChartPanel> Charts { get; } = [];

    /// <summary>Repetitions per measurement.</summary>
    public int Repetitions => Options.Repetitions;

    /// <summary>Repetitions of the heaviest cases (waiting on 500 jobs, starting 100, reading 100 MB), at most 2 to keep a run near 15 minutes.</summary>
    public int HeavyRepetitions => Math.Min(Options.Repetitions, 2);

    /// <summary>Starts a measurement script in a fresh pwsh.</summary>
    public MeasuredProcess StartPwsh(string script, params string[] arguments)
    {
        var (file, prefix) = PwshCommand();
        return MeasuredProcess.Start(file, [.. prefix, "-NoProfile", "-NonInteractive", "-File", Path.Combine(Scripts, script), .. arguments], Options.RepositoryRoot);
    }

    /// <summary>Starts kubectl against the emulator; its stdout goes to /dev/null when <paramref name="discardOutput"/>.</summary>
    public MeasuredProcess StartKubectl(IEnumerable<string> arguments, bool discardOutput = false)
    {
        string[] all = [.. arguments, "--kubeconfig", Emulator.KubeconfigPath];
        return discardOutput ? MeasuredProcess.StartDiscardingOutput(Options.Kubectl, all) : MeasuredProcess.Start(Options.Kubectl, all);
    }

    /// <summary>How pwsh is started: an executable, or pwsh.dll through dotnet.</summary>
    public (string File, string[] Prefix) PwshCommand() =>
        Options.Pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ("dotnet", [Options.Pwsh]) : (Options.Pwsh, []);

    /// <summary>A progress line on stderr with the time since the harness started.</summary>
    public void Log(string message) => Console.Error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");
}
