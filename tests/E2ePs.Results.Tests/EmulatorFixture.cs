using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Tests.Support;
using E2ePs.KubeEmulator;
using E2ePs.Tests.Support;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Results.Tests;

/// <summary>One emulator and a scratch repository, shared by the tests that need a cluster.</summary>
public class EmulatorFixture : EmulatedCluster
{
    public EmulatorFixture()
        : this("r")
    {
    }

    /// <summary>For a fixture of another suite, whose namespaces get <paramref name="namespacePrefix"/>.</summary>
    protected EmulatorFixture(string namespacePrefix)
        : base(namespacePrefix)
    {
    }

    /// <summary>A job in a fresh namespace whose test container runs <paramref name="image"/>, scripted by <paramref name="test"/>.</summary>
    public async Task<E2eJob> JobAsync(string name, ContainerScenario test)
    {
        var ns = await NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}-{ns}:1";
        test.Image = image;
        test.ContainerName ??= "test-runner";
        Emulator.AddScenario(test);
        return Scaffold(name, ns, image);
    }

    public InvokeRequest Request(E2eJob job) => new()
    {
        JobName = job.JobName,
        Start = new StartJobRequest { Target = Target(), ManifestPath = job.ManifestPath, Job = job },
    };

    /// <summary>Runs Invoke's engine to the end; <paramref name="onUpdate"/> sees each update as it comes.</summary>
    public async Task<List<InvokeUpdate>> InvokeAsync(IReadOnlyList<InvokeRequest> requests, InvokeOptions options, Action<InvokeUpdate>? onUpdate = null, TimeSpan? limit = null)
    {
        var updates = new List<InvokeUpdate>();
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(60));
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
