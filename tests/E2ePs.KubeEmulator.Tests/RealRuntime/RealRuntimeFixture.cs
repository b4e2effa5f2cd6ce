using E2ePs.TestSupport;
using k8s;

namespace E2ePs.KubeEmulator.Tests.RealRuntime;

/// <summary>
/// One registry on 127.0.0.1 with a busybox image built here, pushed twice: as 127.0.0.1:PORT/busybox:1 (named by the
/// registry's host, --registry) and as 127.0.0.1:PORT/library/busybox:1, which a registries.conf mirror serves for
/// docker.io/library/busybox:1 the way a user points docker.io at a mirror. The emulator pulls into a store of its own.
/// </summary>
public sealed class RealRuntimeFixture : IAsyncLifetime
{
    private readonly ContainerStorage _buildStorage = new();
    private readonly ContainerStorage _emulatorStorage = new();
    private string _confFolder = "";

    public LocalRegistry Registry { get; private set; } = null!;

    public EmulatorServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    /// <summary>The image by the registry's own host.</summary>
    public string Image => $"{Registry.Address}/busybox:1";

    /// <summary>The same image by its Docker Hub name, resolved through the registries.conf mirror.</summary>
    public static string MirroredImage => "docker.io/library/busybox:1";

    public async Task InitializeAsync()
    {
        if (RequiredTools.SkipReason(RealRuntimeFactAttribute.Requirements) is not null)
        {
            return; // every test of the collection is skipped, saying what is missing
        }

        // In CI a missing tool fails here, naming it, rather than on a process that did not start.
        RequiredTools.Ensure(RealRuntimeFactAttribute.Requirements);

        Registry = await LocalRegistry.StartAsync();
        BaseImage.Create(_buildStorage, Image);
        _buildStorage.Run("buildah", "tag", Image, $"{Registry.Address}/library/busybox:1").EnsureSuccess();
        _buildStorage.Run("buildah", "push", "--tls-verify=false", $"{Registry.Address}/library/busybox:1").EnsureSuccess();

        _confFolder = Directory.CreateTempSubdirectory("emulator-registries-").FullName;
        var conf = Path.Combine(_confFolder, "registries.conf");
        await File.WriteAllTextAsync(conf, $"""
            # docker.io served by the tests' registry, as a user points it at a mirror.
            [[registry]]
            prefix = "docker.io"
            location = "{Registry.Address}"
            insecure = true
            """);

        Server = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Runtime = "buildah",
            RegistryHost = Registry.Address,
            RegistriesConf = conf,
            StorageRoot = _emulatorStorage.Root,
            StorageRunRoot = _emulatorStorage.RunRoot,
            TimeStep = TimeSpan.FromMilliseconds(10),
            PodStatusLag = TimeSpan.FromMilliseconds(100),
        });
        Client = EmulatorFixture.CreateClient(Server);
    }

    private int _namespaces;

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = name } });
        return name;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Registry?.Dispose();
        _buildStorage.Dispose();
        _emulatorStorage.Dispose();
        Tools.DeleteFolder(_confFolder);
    }
}

[CollectionDefinition(Name)]
public sealed class RealRuntimeCollection : ICollectionFixture<RealRuntimeFixture>
{
    public const string Name = "real-runtime";
}
