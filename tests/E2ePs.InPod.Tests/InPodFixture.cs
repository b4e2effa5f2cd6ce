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
/// registries.conf that mirrors docker.io to it (what a user behind a mirror writes), a git server
/// serving the pytest sample publicly and privately, the sample's jobs scaffolded by New-E2eJob's
/// engine, and the runner image built from the pytest template by Build-E2eImage's engine.
/// </summary>
public sealed class InPodFixture : IAsyncLifetime
{
    public const string Username = "e2e-user";

    // Characters that a credential helper's printf or a shell must pass through untouched.
    public const string Password = "p@ss w%rd&'\"$x";

    public const string Branch = "e2e-branch";

    public const string CredentialSecret = "git-credentials";

    public const string Namespace = "e2e";

    private readonly JobScaffolder _scaffolder = new();

    public ContainerStorage Storage { get; } = new();

    public LocalRegistry Registry { get; private set; } = null!;

    public GitHttpServer Git { get; private set; } = null!;

    public SampleRepository Sample { get; private set; } = null!;

    /// <summary>The commit the branch <see cref="Branch"/> points to.</summary>
    public string BranchCommit { get; private set; } = "";

    /// <summary>The runner image of the pytest template, by digest.</summary>
    public string RunnerImage { get; private set; } = "";

    /// <summary>What the base-image script printed, and how long it took.</summary>
    public string BaseImageLog { get; private set; } = "";

    public TimeSpan BaseImageTime { get; private set; }

    public TimeSpan RunnerBuildTime { get; private set; }

    public PodContainer Containers => new(Storage);

    /// <summary>The pytest jobs of the sample: name and E2EPS_TEST_PATH.</summary>
    public static IReadOnlyDictionary<string, string> Jobs { get; } = new Dictionary<string, string>
    {
        ["outcomes"] = "tests/test_outcomes.py",
        ["unicode"] = "tests/test_unicode.py",
        ["big-output"] = "tests/test_big_output.py",
        ["many"] = "tests/test_many.py",
    };

    public async Task InitializeAsync()
    {
        Registry = await LocalRegistry.StartAsync();
        BuildBaseImages();
        Git = new GitHttpServer(Username, Password);

        Sample = SampleRepository.Create("pytest");
        // One image serves every job of the template (the runner reads E2EPS_TEST_PATH), so all jobs name it.
        var image = $"{Registry.Address}/e2e/pytest-sample:latest";
        E2eJob? first = null;
        foreach (var (name, testPath) in Jobs)
        {
            var plan = Plan(name, testPath, Git.PublicUrl("pytest-sample"), Branch, image: image);
            var job = _scaffolder.Write(plan, force: false);
            first ??= job;
        }

        Sample.Commit("E2ePs jobs");
        Sample.Branch(Branch);
        File.WriteAllText(Path.Combine(Sample.WorkTree, "BRANCH_MARKER.txt"), $"on {Branch}\n");
        BranchCommit = Sample.Commit($"Only on {Branch}");
        Git.Publish(Sample.WorkTree, "pytest-sample", isPrivate: false);
        Git.Publish(Sample.WorkTree, "pytest-sample", isPrivate: true);

        RunnerImage = await BuildRunnerImageAsync(first!);
    }

    /// <summary>New-E2eJob's plan for a job of the sample; its manifest is what a user would apply.</summary>
    public ScaffoldPlan Plan(string name, string testPath, string repository, string branch, string? secret = null, string? image = null) =>
        _scaffolder.Plan(new NewJobRequest
        {
            Name = name,
            TestPath = testPath,
            RepositoryRoot = Sample.WorkTree,
            TemplateRoot = Path.Combine(SampleRepository.SourceRoot, "templates"),
            Template = "pytest",
            Namespace = Namespace,
            Repository = repository,
            Branch = branch,
            GitCredentialSecret = secret,
            Image = image ?? $"{Registry.Address}/e2e/pytest-sample:latest",
        });

    /// <summary>The manifest New-E2eJob generates for a job, parsed back from its text.</summary>
    public JobManifest Manifest(string name, string testPath, string repository, string branch, string? secret = null)
    {
        var plan = Plan(name, testPath, repository, branch, secret);
        var file = plan.Files.Single(f => f.Path.EndsWith(".yaml", StringComparison.Ordinal));
        return JobManifest.Parse(file.Content, file.Path);
    }

    /// <summary>
    /// Runs a job's pod once (clone-repo, then test-runner, sharing the pod's volumes) and keeps what it
    /// left for every test that looks at it: on vfs storage a run costs tens of seconds.
    /// </summary>
    public PodRun RunJob(string job)
    {
        lock (_runs)
        {
            if (_runs.TryGetValue(job, out var done))
            {
                return done;
            }

            var manifest = Manifest(job, Jobs[job], Git.PublicUrl("pytest-sample"), Branch);
            var pod = manifest.Job.Spec.Template.Spec;
            var volumes = new PodVolumes(pod);
            _volumes.Add(volumes);
            var clone = manifest.CloneContainer!;
            var clock = Stopwatch.StartNew();
            var cloned = Containers.Run(pod, clone, clone.Image, volumes, Path.Combine(volumes.Folder, "clone-repo.log"));
            var ran = cloned.ExitCode == 0
                ? Containers.Run(pod, manifest.TestContainer, RunnerImage, volumes, Path.Combine(volumes.Folder, "test-runner.log"))
                : throw new InvalidOperationException($"clone-repo of {job} failed: {cloned.Text}");
            var run = new PodRun(cloned, ran, clock.Elapsed);
            _runs[job] = run;
            return run;
        }
    }

    private readonly Dictionary<string, PodRun> _runs = new(StringComparer.Ordinal);

    private readonly List<PodVolumes> _volumes = [];

    public Task DisposeAsync()
    {
        foreach (var volumes in _volumes)
        {
            volumes.Dispose();
        }

        Environment.SetEnvironmentVariable("CONTAINERS_REGISTRIES_CONF", null);
        Git?.Dispose();
        Sample?.Dispose();
        Registry?.Dispose();
        Storage.Dispose();
        return Task.CompletedTask;
    }

    private void BuildBaseImages()
    {
        var script = Path.Combine(SampleRepository.SourceRoot, "tests", "images", "build-base-images.sh");
        var registriesConf = Path.Combine(Storage.Folder, "registries.conf");
        var clock = Stopwatch.StartNew();
        var result = Tools.Run("bash", [script, "--registry", Registry.Address, "--registries-conf", registriesConf], TimeSpan.FromMinutes(30)).EnsureSuccess();
        BaseImageTime = clock.Elapsed;
        BaseImageLog = result.Output + result.Error;
        // As a user behind a mirror does: the container tools now find docker.io's images on the mirror.
        Environment.SetEnvironmentVariable("CONTAINERS_REGISTRIES_CONF", registriesConf);
    }

    private async Task<string> BuildRunnerImageAsync(E2eJob job)
    {
        var builder = new ImageBuilder();
        var request = new ImageBuildRequest
        {
            Job = job,
            Engine = "buildah",
            Push = true,
            SkipTlsVerify = true,
            EngineArguments = Storage.GlobalArguments,
            BuildOptions = ContainerStorage.BuildArguments,
            // The template's knob for machines without PyPI: the base image already holds these versions
            // (Debian's), so pip downloads nothing; the index is a closed port, so a download would fail the build.
            BuildArguments = new Dictionary<string, string>
            {
                ["PYTEST_REQUIREMENTS"] = "pytest==7.2.1 pytest-asyncio==0.20.3 pytest-mock==3.8.2 pytest-timeout==2.1.0",
                ["PIP_INDEX_URL"] = $"http://127.0.0.1:{LocalRegistry.FreePort()}/simple/",
            },
        };
        var clock = Stopwatch.StartNew();
        var operation = builder.Start(builder.Plan(request), CancellationToken.None);
        await foreach (var _ in operation.Events.ReadAllAsync(CancellationToken.None))
        {
        }

        var built = await operation.Completion;
        RunnerBuildTime = clock.Elapsed;
        return built.Reference;
    }
}

/// <summary>What one pod of a job left: the logs and exit codes of its two containers, and the time from start to end.</summary>
public sealed record PodRun(ContainerExit CloneRepo, ContainerExit TestRunner, TimeSpan Duration);

[CollectionDefinition(Name)]
public sealed class InPodCollection : ICollectionFixture<InPodFixture>
{
    public const string Name = "In-pod";
}
