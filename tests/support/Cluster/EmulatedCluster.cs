using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Tests.Support;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.Tests.Support;

/// <summary>
/// What every engine test against a cluster needs: one emulator over HTTPS with a token (every
/// clone-repo init container succeeds unless a test says otherwise), the engine, an independent client
/// to look at the cluster the way a person with kubectl would, and a scratch repository for jobs.
/// </summary>
public class EmulatedCluster : IAsyncLifetime
{
    private readonly TempRepository _repository = new();
    private readonly string _namespacePrefix;
    private int _namespaces;

    /// <summary>Creates the fixture; <paramref name="namespacePrefix"/> tells each suite's namespaces apart.</summary>
    protected EmulatedCluster(string namespacePrefix)
    {
        _namespacePrefix = namespacePrefix;
    }

    public EmulatorServer Emulator { get; private set; } = null!;

    public IE2eEngine Engine { get; } = new EngineEntry();

    public IKubernetes Observer { get; private set; } = null!;

    public string RepositoryRoot => _repository.Root;

    /// <summary>The scenario of every job's clone-repo init container: two lines, exit 0.</summary>
    public static ContainerScenario CloneSucceeds() => new()
    {
        Image = "docker.io/alpine/git:*",
        ContainerName = "clone-repo",
        Lines = ["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4"],
    };

    /// <summary>Lets a suite change the emulator's options (its kubelet's timings, an autoscaler) before it starts.</summary>
    protected virtual void Configure(EmulatorOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        var options = new EmulatorOptions
        {
            KubeconfigPath = Path.Combine(_repository.Root, "emulator.kubeconfig"),
            TimeStep = TimeSpan.FromMilliseconds(10),

            // The kubelet's status lag (1 s upstream) shortened like the time step, still there for every reader.
            PodStatusLag = TimeSpan.FromMilliseconds(100),
        };
        options.Scenarios.Add(CloneSucceeds());
        Configure(options);
        Emulator = await EmulatorServer.StartAsync(options);
        Observer = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Emulator.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Observer.Dispose();
        await Emulator.DisposeAsync();
        _repository.Dispose();
    }

    public ClusterTarget Target(string? ns = null, string? kubeconfig = null) => new() { Kubeconfig = kubeconfig ?? Emulator.KubeconfigPath, Namespace = ns };

    /// <summary>A new namespace for one test, so tests never see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = $"{_namespacePrefix}{Interlocked.Increment(ref _namespaces)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Observer.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Scaffolds a job whose test container runs <paramref name="image"/>, small enough for any node.</summary>
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
}
