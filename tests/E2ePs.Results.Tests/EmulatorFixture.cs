using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Tests.Support;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Results.Tests;

/// <summary>One emulator over HTTPS and a scratch repository, shared by the tests that need a cluster.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private readonly TempRepository _repository = new();
    private int _namespaces;

    public EmulatorServer Emulator { get; private set; } = null!;

    public IE2eEngine Engine { get; } = new EngineEntry();

    public IKubernetes Observer { get; private set; } = null!;

    public string RepositoryRoot => _repository.Root;

    public static ContainerScenario CloneSucceeds() => new()
    {
        Image = "docker.io/alpine/git:*",
        ContainerName = "clone-repo",
        Lines = ["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4"],
    };

    public async Task InitializeAsync()
    {
        var options = new EmulatorOptions
        {
            KubeconfigPath = Path.Combine(_repository.Root, "emulator.kubeconfig"),
            TimeStep = TimeSpan.FromMilliseconds(10),
        };
        options.Scenarios.Add(CloneSucceeds());
        Emulator = await EmulatorServer.StartAsync(options);
        Observer = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Emulator.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Observer.Dispose();
        await Emulator.DisposeAsync();
        _repository.Dispose();
    }

    public ClusterTarget Target(string? ns = null) => new() { Kubeconfig = Emulator.KubeconfigPath, Namespace = ns };

    public async Task<string> NewNamespaceAsync()
    {
        var name = $"r{Interlocked.Increment(ref _namespaces)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Observer.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>A job in a fresh namespace whose test container runs <paramref name="image"/>, scripted by <paramref name="test"/>.</summary>
    public async Task<E2eJob> JobAsync(string name, ContainerScenario test)
    {
        var ns = await NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}-{ns}:1";
        test.Image = image;
        test.ContainerName ??= "test-runner";
        Emulator.AddScenario(test);
        var request = new NewJobRequest
        {
            Name = name,
            TestPath = $"tests/e2e/test_{name}.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
            Namespace = ns,
            Image = image,
            Memory = ["64Mi"],
            Cpu = ["100m"],
        };
        return Engine.Scaffolder.Write(Engine.Scaffolder.Plan(request), force: true);
    }

    public InvokeRequest Request(E2eJob job) => new()
    {
        JobName = job.JobName,
        Start = new StartJobRequest { Target = Target(), ManifestPath = job.ManifestPath, Job = job },
    };

    /// <summary>Runs Invoke's engine to the end; <paramref name="onUpdate"/> sees each update as it comes.</summary>
    public async Task<List<InvokeUpdate>> InvokeAsync(IReadOnlyList<InvokeRequest> requests, InvokeOptions options, Action<InvokeUpdate>? onUpdate = null)
    {
        var updates = new List<InvokeUpdate>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var update in Engine.Results.InvokeAsync(requests, options, timeout.Token))
        {
            onUpdate?.Invoke(update);
            updates.Add(update);
        }

        return updates;
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "results-emulator";
}
