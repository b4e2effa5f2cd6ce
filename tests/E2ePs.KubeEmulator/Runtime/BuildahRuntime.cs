using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>The real-runtime side of one container of the kubelet: the pulled image, the working container, the process.</summary>
internal sealed class RealContainer
{
    public required PulledImage Image { get; init; }

    public string? WorkingContainer { get; set; }

    public ContainerProcess? Process { get; set; }
}

/// <summary>
/// The emulator's real container runtime (--runtime buildah): pulls images into its store, makes pod volumes in a
/// folder of its own, and runs each container as <c>buildah from</c> + <c>buildah run --isolation chroot</c>.
/// Everything slow runs off the simulation thread; the kubelet posts the outcomes back onto it.
/// </summary>
internal sealed class BuildahRuntime : IDisposable
{
    private readonly BuildahCli _buildah;
    private readonly ImageSource _source;
    private readonly string _podsFolder;
    private readonly ConcurrentDictionary<ContainerProcess, byte> _running = new();

    private readonly ConcurrentDictionary<string, byte> _workingContainers = new(StringComparer.Ordinal);

    public BuildahRuntime(EmulatorOptions options)
    {
        _buildah = new BuildahCli(options);
        _source = new ImageSource(options.RegistryHost, options.RegistriesConf);
        Images = new ImageStore(_buildah, _source);
        _podsFolder = Directory.CreateTempSubdirectory("kube-emulator-pods-").FullName;
    }

    public ImageStore Images { get; }

    /// <summary>Whether every image of the pod is served by the configured registry (then the pod runs for real).</summary>
    public bool Serves(IEnumerable<string> images) => images.All(i => _source.Locate(i) is not null);

    /// <summary>The pod's volumes, made once per pod uid.</summary>
    public Dictionary<string, string> CreateVolumes(string podUid, JsonObject pod, ObjectLookup lookup)
    {
        var folder = Path.Combine(_podsFolder, podUid, "volumes");
        Directory.CreateDirectory(folder);
        return PodVolumes.Create(folder, pod, lookup);
    }

    /// <summary><c>buildah from</c>: a working container (the root file system the process runs in) from the pulled image.</summary>
    public async Task<string> CreateContainerAsync(PulledImage image, string podName, string containerName)
    {
        var name = $"{podName}-{containerName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var result = await _buildah.RunAsync(["from", "--pull-never", "--quiet", "--name", name, image.ImageId], CancellationToken.None).ConfigureAwait(false);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"failed to create containerd task: buildah from {image.ImageId}: {result.Message}");
        }

        _workingContainers[name] = 0;
        return name;
    }

    public ContainerProcess Start(string workingContainer, RunSpec spec, string hostname, Logs.ContainerLog log)
    {
        var process = ContainerProcess.Start(_buildah, workingContainer, spec, hostname, log);
        _running[process] = 0;
        _ = process.Exited.ContinueWith(_ => _running.TryRemove(process, out byte _), TaskScheduler.Default);
        return process;
    }

    /// <summary>Removes a working container once its process has ended (vfs copies the whole image per container).</summary>
    public async Task RemoveContainerAsync(string workingContainer)
    {
        await _buildah.RunAsync(["rm", workingContainer], CancellationToken.None).ConfigureAwait(false);
        _workingContainers.TryRemove(workingContainer, out _);
    }

    /// <summary>Deletes a deleted pod's volumes once its processes have ended.</summary>
    public void RemovePod(string podUid, IEnumerable<Task> exits) =>
        _ = Task.WhenAll(exits).ContinueWith(_ => DeleteFolder(Path.Combine(_podsFolder, podUid)), TaskScheduler.Default);

    private static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"emulator: could not delete {folder}: {e.Message}");
        }
    }

    public void Dispose()
    {
        foreach (var process in _running.Keys)
        {
            process.Kill();
        }

        Task.WaitAll(_running.Keys.Select(p => p.Exited).ToArray(), TimeSpan.FromSeconds(10));
        foreach (var name in _workingContainers.Keys)
        {
            _buildah.RunAsync(["rm", name], CancellationToken.None).Wait(TimeSpan.FromSeconds(30));
        }

        _source.Dispose();
        DeleteFolder(_podsFolder);
    }
}
