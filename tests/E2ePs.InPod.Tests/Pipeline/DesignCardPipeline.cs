using System.Diagnostics;
using System.Text.Json;
using E2ePs.KubeEmulator;
using E2ePs.TestSupport;

namespace E2ePs.InPod.Tests.Pipeline;

/// <summary>
/// The design card's pipeline run once for every test that looks at it (on vfs storage, real containers
/// cost minutes): the emulator with its real runtime (--runtime buildah) pulling from the tests'
/// registry, a sample repository published privately on the git server, the jobs scaffolded and run
/// by a fresh pwsh (Invoke-DesignCardPipeline.ps1) through the module's cmdlets, and the test
/// container's log read once more with the real kubectl.
/// </summary>
public sealed class DesignCardPipeline : IAsyncDisposable
{
    public const string Namespace = "e2e-pipeline";
    public const string RepositoryName = "pipeline-sample";
    public const string WrongCredentialSecret = "wrong-credentials";

    /// <summary>The job whose image the pipeline builds, and that Invoke-E2eTest runs again after the pipeline.</summary>
    public const string InvokedJob = "outcomes";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };
    private readonly List<IDisposable> _cleanup = [];

    private DesignCardPipeline(string folder) => Folder = folder;

    public string Folder { get; }

    public string Out => Path.Combine(Folder, "out");

    public EmulatorServer Emulator { get; private set; } = null!;

    /// <summary>The folder of the emulator's image store (vfs): the images it pulled, and the working containers of pods that run.</summary>
    public string EmulatorStorage { get; private set; } = "";

    public string Kubeconfig => Emulator.KubeconfigPath;

    /// <summary>The commit of the branch the jobs clone (it exists only on that branch).</summary>
    public string BranchCommit { get; private set; } = "";

    public string PrivateUrl { get; private set; } = "";

    public string PublicUrl { get; private set; } = "";

    /// <summary>The URL of the job whose host does not answer.</summary>
    public string UnreachableUrl { get; private set; } = "";

    /// <summary>The git server's requests for this repository, as the pipeline left them.</summary>
    public IReadOnlyList<string> GitRequests { get; private set; } = [];

    public PipelineSummary Summary { get; private set; } = null!;

    /// <summary>From the start of the pwsh script to its end (scaffolding, build, push, runs, logs, results, Invoke-E2eTest).</summary>
    public TimeSpan ScriptTime { get; private set; }

    /// <summary>The jobs the script scaffolds: name, test path, clone URL, branch, Secret.</summary>
    public IReadOnlyList<PipelineJob> Jobs { get; private set; } = [];

    public static async Task<DesignCardPipeline> RunAsync(InPodFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        var pipeline = new DesignCardPipeline(Directory.CreateTempSubdirectory("design-card-").FullName);
        try
        {
            await pipeline.StartAsync(fixture);
            return pipeline;
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    /// <summary>The run of a job the pipeline started.</summary>
    public RunView Run(string job) => Summary.Runs.SingleOrDefault(r => r.Name == job)
        ?? throw new InvalidOperationException($"The pipeline wrote no run of {job}; its runs: {string.Join(", ", Summary.Runs.Select(r => r.Name))}.");

    /// <summary>The lines Get-E2eLog wrote for one container of a pod, in order, read from the file as they are enumerated.</summary>
    public IEnumerable<string> GetE2eLogLines(string pod, string container)
    {
        var prefix = $"{pod}\t{container}\t";
        return File.ReadLines(Path.Combine(Out, "log.tsv")).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]);
    }

    /// <summary>The same container's log through the real kubectl, written to a file and read line by line.</summary>
    public IEnumerable<string> KubectlLogLines(string pod, string container)
    {
        var file = Path.Combine(Folder, $"kubectl-{pod}-{container}.log");
        if (!File.Exists(file))
        {
            Tools.Run("/bin/sh", ["-c", "exec kubectl --kubeconfig \"$1\" logs -n \"$2\" \"$3\" -c \"$4\" >\"$5\"", "sh", Kubeconfig, Namespace, pod, container, file], TimeSpan.FromMinutes(5)).EnsureSuccess();
        }

        return File.ReadLines(file);
    }

    public async ValueTask DisposeAsync()
    {
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }

        foreach (var item in _cleanup)
        {
            item.Dispose();
        }

        Tools.DeleteFolder(Folder);
    }

    private async Task StartAsync(InPodFixture fixture)
    {
        Directory.CreateDirectory(Out);
        var emulatorStorage = new ContainerStorage();
        EmulatorStorage = emulatorStorage.Folder;
        _cleanup.Add(emulatorStorage);
        // The emulator's runtime resolves an image through a [[registry]] location (docs/emulator.md); buildah reads the same file.
        var registriesConf = Path.Combine(Folder, "registries.conf");
        await File.WriteAllTextAsync(registriesConf, $"""
            # docker.io and mcr.microsoft.com served by the tests' registry, as a user points them at a mirror.
            [[registry]]
            prefix = "docker.io"
            location = "{fixture.Registry.Address}"
            insecure = true

            [[registry]]
            prefix = "mcr.microsoft.com"
            location = "{fixture.Registry.Address}/mcr"
            insecure = true
            """);
        Emulator = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Runtime = "buildah",
            RegistryHost = fixture.Registry.Address,
            RegistriesConf = registriesConf,
            StorageRoot = emulatorStorage.Root,
            StorageRunRoot = emulatorStorage.RunRoot,
            KubeconfigPath = Path.Combine(Folder, "kubeconfig"),
            TimeStep = TimeSpan.FromMilliseconds(20),
        });

        // The cluster as its administrator prepares it, with the real kubectl: the namespace and the git credentials.
        Kubectl("create", "namespace", Namespace);
        Kubectl("create", "secret", "generic", InPodFixture.CredentialSecret, "-n", Namespace,
            $"--from-literal=username={InPodFixture.Username}", $"--from-literal=password={InPodFixture.Password}");
        Kubectl("create", "secret", "generic", WrongCredentialSecret, "-n", Namespace,
            $"--from-literal=username={InPodFixture.Username}", "--from-literal=password=not-the-password");

        var repository = SampleRepository.Create("pytest");
        _cleanup.Add(repository);
        repository.Branch(InPodFixture.Branch);
        await File.WriteAllTextAsync(Path.Combine(repository.WorkTree, "BRANCH_MARKER.txt"), $"on {InPodFixture.Branch}\n");
        BranchCommit = repository.Commit($"Only on {InPodFixture.Branch}");
        fixture.Git.Publish(repository.WorkTree, RepositoryName, isPrivate: true);
        fixture.Git.Publish(repository.WorkTree, RepositoryName, isPrivate: false);
        PrivateUrl = fixture.Git.PrivateUrl(RepositoryName);
        PublicUrl = fixture.Git.PublicUrl(RepositoryName);
        UnreachableUrl = $"http://127.0.0.1:{LocalRegistry.FreePort()}/public/{RepositoryName}.git";
        var tests = InPodFixture.PytestSample.Jobs;
        Jobs =
        [
            new(InvokedJob, tests["outcomes"], PrivateUrl, InPodFixture.Branch, InPodFixture.CredentialSecret),
            new("big-output", tests["big-output"], PrivateUrl, InPodFixture.Branch, InPodFixture.CredentialSecret),
            new("many", tests["many"], PrivateUrl, InPodFixture.Branch, InPodFixture.CredentialSecret),
            new("no-branch", tests["outcomes"], PublicUrl, "no-such-branch", null),
            new("wrong-password", tests["outcomes"], PrivateUrl, InPodFixture.Branch, WrongCredentialSecret),
            new("unreachable", tests["outcomes"], UnreachableUrl, InPodFixture.Branch, null),
        ];

        var script = Path.Combine(SampleRepository.SourceRoot, "tests", "E2ePs.InPod.Tests", "Pipeline", "Invoke-DesignCardPipeline.ps1");
        var jobsJson = JsonSerializer.Serialize(Jobs.Select(j => new { name = j.Name, testPath = j.TestPath, repository = j.Repository, branch = j.Branch, secret = j.Secret }));
        var buildArgsJson = JsonSerializer.Serialize(InPodFixture.PytestSample.BuildArguments);
        var before = fixture.Git.Requests.Count;
        var clock = Stopwatch.StartNew();
        // A fresh pwsh (the repository's, a local dotnet tool), as a user's session: its environment says
        // where images are built (a private vfs store, chroot isolation, layers cached), which mirror
        // serves docker.io, and which cluster is current.
        var run = Tools.Run("/usr/bin/env", [
            $"KUBECONFIG={Kubeconfig}",
            $"CONTAINERS_REGISTRIES_CONF={registriesConf}",
            "E2EPS_BUILD_ENGINE=buildah",
            $"E2EPS_ENGINE_ARGS={string.Join(' ', fixture.Storage.GlobalArguments)}",
            $"E2EPS_BUILD_ARGS={string.Join(' ', ContainerStorage.BuildArguments)}",
            "/bin/sh", "-c", "cd \"$0\" && exec dotnet pwsh -NoLogo -NoProfile -NonInteractive -File \"$@\"", SampleRepository.SourceRoot,
            script,
            "-Module", Path.Combine(SampleRepository.SourceRoot, "E2ePs.psd1"),
            "-Repository", repository.WorkTree,
            "-JobsJson", jobsJson,
            "-Image", $"{fixture.Registry.Address}/e2e/{RepositoryName}:latest",
            "-Namespace", Namespace,
            "-BuildArgsJson", buildArgsJson,
            "-BuildJob", InvokedJob,
            "-Out", Out,
        ], TimeSpan.FromMinutes(30));
        ScriptTime = clock.Elapsed;
        GitRequests = fixture.Git.Requests.Skip(before).Where(r => r.Contains($"/{RepositoryName}.git/", StringComparison.Ordinal)).ToList();
        var summary = Path.Combine(Out, "summary.json");
        if (run.ExitCode != 0 || !File.Exists(summary))
        {
            throw new InvalidOperationException($"The pipeline script failed (exit code {run.ExitCode}):\n{run.Output}\n{run.Error}");
        }

        Summary = JsonSerializer.Deserialize<PipelineSummary>(await File.ReadAllTextAsync(summary), s_json)!;
    }

    private void Kubectl(params string[] arguments) =>
        Tools.Run("kubectl", ["--kubeconfig", Kubeconfig, .. arguments]).EnsureSuccess();
}

/// <summary>A job the pipeline scaffolds with New-E2eJob.</summary>
public sealed record PipelineJob(string Name, string TestPath, string Repository, string Branch, string? Secret);

/// <summary>What Invoke-DesignCardPipeline.ps1 wrote: each run as the cmdlets returned it, and every error record.</summary>
public sealed record PipelineSummary(
    IReadOnlyList<RunView> Runs,
    IReadOnlyList<ErrorView> WaitErrors,
    IReadOnlyList<ErrorView> LogErrors,
    IReadOnlyList<ErrorView> ResultErrors,
    RunView Invoke,
    IReadOnlyList<ErrorView> InvokeErrors,
    double InvokeSeconds);

/// <summary>An E2eRun with its Get-E2eResult (or Invoke-E2eTest's TestResult).</summary>
public sealed record RunView(
    string Name, string JobName, string Uid, string Status, string? Reason, string? Message, int? ExitCode, string FailureKind,
    IReadOnlyList<string> PodNames, string? ReportStatus, string? ReportFile, IReadOnlyList<CaseJson> Cases);

/// <summary>An E2eTestCase: class, name, outcome and message.</summary>
public sealed record CaseJson(string ClassName, string Name, string Outcome, string? Message);

/// <summary>An ErrorRecord: its id, category, target (the run's name), message and recommended action.</summary>
public sealed record ErrorView(string Id, string Category, string Target, string Message, string? RecommendedAction);
