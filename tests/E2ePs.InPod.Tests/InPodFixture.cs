using E2ePs.Engine;
using E2ePs.InPod.Tests.Pipeline;
using System.Diagnostics;
using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Scaffolding;
using E2ePs.Models;
using E2ePs.TestSupport;

namespace E2ePs.InPod.Tests;

/// <summary>
/// Everything the in-pod tests share, made once: a registry on 127.0.0.1 holding the base images
/// (tests/images/build-base-images.sh, cached by content) under the names the templates use, a
/// registries.conf that mirrors docker.io and mcr.microsoft.com to it (what a user behind a mirror
/// writes), and a git server. Each template's sample (<see cref="Sample"/>) is made on first use: its
/// jobs scaffolded by New-E2eJob's engine, committed, branched, published publicly and privately, and
/// its runner image built from the template by Build-E2eImage's engine.
/// </summary>
public sealed class InPodFixture : IAsyncLifetime
{
    public const string Username = "e2e-user";

    // Characters that a credential helper's printf or a shell must pass through untouched.
    public const string Password = "p@ss w%rd&'\"$x";

    public const string Branch = "e2e-branch";

    public const string CredentialSecret = "git-credentials";

    public const string Namespace = "e2e";

    // The engine as the module composes it: this process's environment (its registries.conf) and child processes.
    private readonly EngineEntry _engine = new();
    private readonly Dictionary<string, SampleSetup> _samples = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodRun> _runs = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _cleanup = [];

    public ContainerStorage Storage { get; } = new();

    private readonly Lock _pipelineLock = new();
    private Task<DesignCardPipeline>? _pipeline;

    /// <summary>The design card's pipeline through the emulator's real runtime, run once on first use (a failure fails every test that uses it, once).</summary>
    public Task<DesignCardPipeline> PipelineAsync()
    {
        lock (_pipelineLock)
        {
            return _pipeline ??= Task.Run(() => DesignCardPipeline.RunAsync(this));
        }
    }

    public LocalRegistry Registry { get; private set; } = null!;

    public GitHttpServer Git { get; private set; } = null!;

    /// <summary>How long the base-image script took (cold or cached).</summary>
    public TimeSpan BaseImageTime { get; private set; }

    public PodContainer Containers => new(Storage);

    /// <summary>The pytest sample (tests/samples/pytest), the one the clone tests use.</summary>
    public SampleSetup Pytest => Sample(PytestSample);

    public static readonly SampleDefinition PytestSample = new("pytest", "pytest", new Dictionary<string, string>
    {
        ["outcomes"] = "tests/test_outcomes.py",
        ["unicode"] = "tests/test_unicode.py",
        ["big-output"] = "tests/test_big_output.py",
        ["many"] = "tests/test_many.py",
    })
    {
        // The template's knob for machines without PyPI: the base image already holds these versions
        // (Debian's), so pip downloads nothing; the index is a closed port, so a download would fail the build.
        BuildArguments = new Dictionary<string, string>
        {
            ["PYTEST_REQUIREMENTS"] = "pytest==7.2.1 pytest-asyncio==0.20.3 pytest-mock==3.8.2 pytest-timeout==2.1.0",
            ["PIP_INDEX_URL"] = $"http://127.0.0.1:{LocalRegistry.FreePort()}/simple/",
        },
    };

    /// <summary>The Pester sample: the base image holds Pester 5.7.1, the template's PESTER_VERSION, so nothing is downloaded.</summary>
    public static readonly SampleDefinition PesterSample = new("pester", "pester", new Dictionary<string, string>
    {
        ["pester-outcomes"] = "tests/Outcomes.Tests.ps1",
    });

    /// <summary>The dotnet sample: `dotnet test` restores its packages in the container, from NuGet (the stand-in SDK image trusts the host's CAs).</summary>
    public static readonly SampleDefinition DotnetSample = new("dotnet", "dotnet", new Dictionary<string, string>
    {
        ["dotnet-outcomes"] = "SampleTests/SampleTests.csproj",
    });

    public async Task InitializeAsync()
    {
        Registry = await LocalRegistry.StartAsync();
        BuildBaseImages();
        Git = new GitHttpServer(Username, Password);
    }

    /// <summary>A sample repository published on the git server with its jobs and its runner image; made once.</summary>
    public SampleSetup Sample(SampleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        lock (_samples)
        {
            if (!_samples.TryGetValue(definition.Sample, out var setup))
            {
                setup = CreateSample(definition);
                _samples[definition.Sample] = setup;
            }

            return setup;
        }
    }

    /// <summary>The manifest New-E2eJob generates for a job of a sample, parsed back from its text.</summary>
    public JobManifest Manifest(SampleSetup setup, string name, string repository, string branch, string? secret = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var plan = Plan(setup.Definition, setup.Repository.WorkTree, name, repository, branch, secret, setup.ImageName);
        var file = plan.Files.Single(f => f.Path.EndsWith(".yaml", StringComparison.Ordinal));
        return JobManifest.Parse(file.Content, file.Path);
    }

    /// <summary>
    /// Runs a job's pod once (clone-repo, then test-runner, sharing the pod's volumes) and keeps what it
    /// left for every test that looks at it: on vfs storage a run costs tens of seconds.
    /// </summary>
    public PodRun RunJob(SampleSetup setup, string job)
    {
        ArgumentNullException.ThrowIfNull(setup);
        lock (_runs)
        {
            if (_runs.TryGetValue(job, out var done))
            {
                return done;
            }

            var manifest = Manifest(setup, job, setup.PublicUrl, Branch);
            var pod = manifest.Job.Spec.Template.Spec;
            var volumes = new PodVolumes(pod);
            _cleanup.Add(volumes);
            var clone = manifest.CloneContainer!;
            var clock = Stopwatch.StartNew();
            var cloned = Containers.Run(pod, clone, clone.Image, volumes, Path.Combine(volumes.Folder, "clone-repo.log"));
            var ran = cloned.ExitCode == 0
                ? Containers.Run(pod, manifest.TestContainer, setup.RunnerImage, volumes, Path.Combine(volumes.Folder, "test-runner.log"))
                : throw new InvalidOperationException($"clone-repo of {job} failed: {cloned.Text}");
            var run = new PodRun(cloned, ran, clock.Elapsed);
            _runs[job] = run;
            return run;
        }
    }

    public async Task DisposeAsync()
    {
        if (_pipeline is { IsCompletedSuccessfully: true })
        {
            await (await _pipeline).DisposeAsync();
        }

        foreach (var item in _cleanup)
        {
            item.Dispose();
        }

        Environment.SetEnvironmentVariable("CONTAINERS_REGISTRIES_CONF", null);
        Git?.Dispose();
        Registry?.Dispose();
        Storage.Dispose();
    }

    private SampleSetup CreateSample(SampleDefinition definition)
    {
        var repository = SampleRepository.Create(definition.Sample);
        _cleanup.Add(repository);
        var name = $"{definition.Sample}-sample";
        var publicUrl = Git.PublicUrl(name);
        // One image serves every job of the template (the runner reads E2EPS_TEST_PATH), so all jobs name it.
        var image = $"{Registry.Address}/e2e/{name}:latest";
        E2eJob? first = null;
        foreach (var job in definition.Jobs.Keys)
        {
            var written = _engine.Scaffolder.Write(Plan(definition, repository.WorkTree, job, publicUrl, Branch, secret: null, image), force: false);
            first ??= written;
        }

        repository.Commit("E2ePs jobs");
        repository.Branch(Branch);
        File.WriteAllText(Path.Combine(repository.WorkTree, "BRANCH_MARKER.txt"), $"on {Branch}\n");
        var branchCommit = repository.Commit($"Only on {Branch}");
        Git.Publish(repository.WorkTree, name, isPrivate: false);
        Git.Publish(repository.WorkTree, name, isPrivate: true);

        var clock = Stopwatch.StartNew();
        var runnerImage = BuildRunnerImage(first!, definition.BuildArguments);
        return new SampleSetup(definition, repository, publicUrl, Git.PrivateUrl(name), branchCommit, image, runnerImage, clock.Elapsed);
    }

    /// <summary>New-E2eJob's plan for a job of a sample; its manifest is what a user would apply.</summary>
    private ScaffoldPlan Plan(SampleDefinition definition, string workTree, string name, string repository, string branch, string? secret, string image) =>
        _engine.Scaffolder.Plan(new NewJobRequest
        {
            Name = name,
            TestPath = definition.Jobs.GetValueOrDefault(name) ?? definition.Jobs.Values.First(),
            RepositoryRoot = workTree,
            TemplateRoot = Path.Combine(SampleRepository.SourceRoot, "templates"),
            Template = definition.Template,
            Namespace = Namespace,
            Repository = repository,
            Branch = branch,
            GitCredentialSecret = secret,
            Image = image,
        });

    private void BuildBaseImages()
    {
        var script = Path.Combine(SampleRepository.SourceRoot, "tests", "images", "build-base-images.sh");
        var registriesConf = Path.Combine(Storage.Folder, "registries.conf");
        var clock = Stopwatch.StartNew();
        Tools.Run("bash", [script, "--registry", Registry.Address, "--registries-conf", registriesConf], TimeSpan.FromMinutes(30)).EnsureSuccess();
        BaseImageTime = clock.Elapsed;
        // As a user behind a mirror does: the container tools now find docker.io's and mcr.microsoft.com's images on the mirror.
        Environment.SetEnvironmentVariable("CONTAINERS_REGISTRIES_CONF", registriesConf);
    }

    private string BuildRunnerImage(E2eJob job, IReadOnlyDictionary<string, string> buildArguments)
    {
        var builder = _engine.Images;
        var request = new ImageBuildRequest
        {
            Job = job,
            Engine = "buildah",
            Push = true,
            SkipTlsVerify = true,
            EngineArguments = Storage.GlobalArguments,
            BuildOptions = ContainerStorage.BuildArguments,
            BuildArguments = buildArguments,
        };
        var operation = builder.Start(builder.Plan(request), CancellationToken.None);
        var drain = Task.Run(async () =>
        {
            await foreach (var _ in operation.Events.ReadAllAsync(CancellationToken.None))
            {
            }
        });
        var built = operation.Completion.GetAwaiter().GetResult();
        drain.GetAwaiter().GetResult();
        return built.Reference;
    }
}

/// <summary>A folder of tests/samples, the template its jobs use, its jobs (name and E2EPS_TEST_PATH) and the build arguments of its image.</summary>
public sealed record SampleDefinition(string Sample, string Template, IReadOnlyDictionary<string, string> Jobs)
{
    public IReadOnlyDictionary<string, string> BuildArguments { get; init; } = new Dictionary<string, string>();
}

/// <summary>A sample as published: its work tree, clone URLs, the commit of the test branch, and its runner image (by digest).</summary>
public sealed record SampleSetup(
    SampleDefinition Definition, SampleRepository Repository, string PublicUrl, string PrivateUrl, string BranchCommit, string ImageName, string RunnerImage, TimeSpan RunnerBuildTime);

/// <summary>What one pod of a job left: the logs and exit codes of its two containers, and the time from start to end.</summary>
public sealed record PodRun(ContainerExit CloneRepo, ContainerExit TestRunner, TimeSpan Duration);

[CollectionDefinition(Name)]
public sealed class InPodCollection : ICollectionFixture<InPodFixture>
{
    public const string Name = "In-pod";
}
