using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Models;
using E2ePs.TestSupport;

namespace E2ePs.Images.Tests;

/// <summary>
/// One registry, one private storage and one busybox base image for every test that builds: vfs
/// builds are slow enough that the base image is made once.
/// </summary>
public sealed class ImageFixture : IAsyncLifetime
{
    private readonly List<string> _folders = [];

    public ContainerStorage Storage { get; } = new();

    public LocalRegistry Registry { get; private set; } = null!;

    public string BaseImage => $"{Registry.Address}/base:1";

    public ImageBuilder Builder { get; } = Builders.ForThisProcess();

    /// <summary>The engines installed here that the tests drive (docker needs a daemon, which test machines lack).</summary>
    public static IReadOnlyList<string> Engines { get; } =
        new[] { "podman", "buildah" }.Where(e => Tools.Find(e) is not null).ToList();

    public static TheoryData<string> EngineData()
    {
        var data = new TheoryData<string>();
        foreach (var engine in Engines)
        {
            data.Add(engine);
        }

        return data;
    }

    public async Task InitializeAsync()
    {
        if (RequiredTools.SkipReason(ImageTools.Requirements) is not null)
        {
            // Every test of the collection is skipped on this machine: nothing to set up.
            return;
        }

        // In CI a missing tool fails here, on a sentence naming it, rather than on a process that did not start.
        RequiredTools.Ensure(ImageTools.Requirements);
        Registry = await LocalRegistry.StartAsync();
        TestSupport.BaseImage.Create(Storage, BaseImage);
    }

    public Task DisposeAsync()
    {
        Registry?.Dispose();
        Storage.Dispose();
        foreach (var folder in _folders)
        {
            Tools.DeleteFolder(folder);
        }

        return Task.CompletedTask;
    }

    /// <summary>A repository with one job whose Dockerfile is <paramref name="dockerfile"/> ({{BASE}} is the base image).</summary>
    public E2eJob NewJob(string name, string dockerfile, string? image = null)
    {
        var root = Directory.CreateTempSubdirectory("images-test-repo-").FullName;
        _folders.Add(root);
        return WriteJob(root, name, dockerfile, image ?? $"{Registry.Address}/test-{name}-e2e:latest");
    }

    public E2eJob WriteJob(string root, string name, string dockerfile, string image)
    {
        var jobFolder = Path.Combine(root, "jobs", $"test-{name}-e2e");
        Directory.CreateDirectory(jobFolder);
        var dockerfilePath = Path.Combine(jobFolder, "Dockerfile");
        File.WriteAllText(dockerfilePath, dockerfile.Replace("{{BASE}}", BaseImage, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(jobFolder, "run.sh"), "echo running\n");
        return new E2eJob
        {
            Name = name,
            JobName = $"test-{name}-e2e",
            Namespace = "e2e",
            Image = image,
            Path = root,
            DockerfilePath = dockerfilePath,
            RunnerPath = Path.Combine(jobFolder, "run.sh"),
        };
    }

    public ImageBuildRequest Request(E2eJob job, string engine, bool push = true, bool contentTag = false) => new()
    {
        Job = job,
        Engine = engine,
        Push = push,
        ContentTag = contentTag,
        SkipTlsVerify = true,
        EngineArguments = Storage.GlobalArguments,
        BuildOptions = ContainerStorage.BuildArguments,
    };

    /// <summary>Runs a build to its end, collecting every event as the cmdlet would drain them.</summary>
    public async Task<(E2eImage Image, List<ImageBuildEvent> Events)> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        var operation = Builder.Start(Builder.Plan(request), cancellationToken);
        var events = new List<ImageBuildEvent>();
        await foreach (var item in operation.Events.ReadAllAsync(CancellationToken.None))
        {
            events.Add(item);
        }

        return (await operation.Completion, events);
    }
}

[CollectionDefinition(Name)]
public sealed class ImageBuilds : ICollectionFixture<ImageFixture>
{
    public const string Name = "Images";
}
