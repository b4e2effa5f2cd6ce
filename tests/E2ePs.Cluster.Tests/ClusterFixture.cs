using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;
using E2ePs.KubeEmulator;
using E2ePs.KubeEmulator.Scenarios;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>One emulator over HTTPS with a token, and a scratch repository, shared by the cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly TempRepository _repository = new();
    private int _namespaces;

    public EmulatorServer Emulator { get; private set; } = null!;

    public IE2eEngine Engine { get; } = new EngineEntry();

    public string RepositoryRoot => _repository.Root;

    /// <summary>An independent client, to look at the cluster the way a person with kubectl would.</summary>
    public IKubernetes Observer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new EmulatorOptions
        {
            KubeconfigPath = Path.Combine(_repository.Root, "emulator.kubeconfig"),
            TimeStep = TimeSpan.FromMilliseconds(10),
        };
        // Every job's clone-repo init container succeeds unless a test gives it another image.
        options.Scenarios.Add(new ContainerScenario
        {
            Image = "docker.io/alpine/git:*",
            ContainerName = "clone-repo",
            Lines = ["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4"],
        });
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

    /// <summary>A new namespace for one test, so tests never see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = $"t{Interlocked.Increment(ref _namespaces)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Observer.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Scaffolds a job whose test container runs <paramref name="image"/>, with a clone that succeeds.</summary>
    public E2eJob Scaffold(string name, string ns, string image, Action<NewJobRequest>? configure = null)
    {
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
        configure?.Invoke(request);
        return Engine.Scaffolder.Write(Engine.Scaffolder.Plan(request), force: true);
    }

    /// <summary>A test that hangs fails instead, after this long.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    public async Task<List<E2eRun>> WaitAllAsync(IReadOnlyList<E2eRun> runs, WaitOptions? options = null)
    {
        using var limit = new CancellationTokenSource(s_limit);
        var finished = new List<E2eRun>();
        await foreach (var update in Engine.Cluster.WaitAsync(runs, options ?? new WaitOptions(), limit.Token))
        {
            if (update.Finished is { } run)
            {
                finished.Add(run);
            }
        }

        return finished;
    }

    public async Task<List<E2eLogLine>> LogsAsync(E2eRun run, bool follow = false)
    {
        var lines = new List<E2eLogLine>();
        var request = new LogRequest { Target = Target(run.Namespace), JobName = run.JobName, Uid = run.Uid, Follow = follow };
        using var limit = new CancellationTokenSource(s_limit);
        await foreach (var line in Engine.Cluster.ReadLogsAsync(request, limit.Token))
        {
            lines.Add(line);
        }

        return lines;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
