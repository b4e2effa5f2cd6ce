using System.Text;
using E2ePs.TestSupport;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace E2ePs.KubeEmulator.Tests.RealRuntime;

/// <summary>
/// A container that writes fast and ends at once: a read without follow right after the pod says Succeeded serves
/// every line, to the last, and so does every later read. The log stays under the rotation size on purpose: once it
/// rotates, the current file of an exited container holds only what came after the last rotation, which can be
/// nothing at all when the last line filled a file (a CI run saw 0 lines with rotation at 64 KiB), on a real kubelet
/// as here (pkg/kubelet/logs/container_log_manager.go rotates a file once it is over the size; a read that does not
/// follow serves the current file only, pkg/kubelet/kuberuntime/logs/logs.go).
/// </summary>
[Trait("Tier", "Full")]
[Collection(RealRuntimeCollection.Name)]
public sealed class FastWriterLogTests(RealRuntimeFixture fx, ITestOutputHelper output)
{
    [RealRuntimeFact]
    public async Task AFastWritersLog_ReadRightAfterSucceeded_EndsWithItsLastLine()
    {
        using var storage = new ContainerStorage();
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Runtime = "buildah",
            RegistryHost = fx.Registry.Address,
            StorageRoot = storage.Root,
            StorageRunRoot = storage.RunRoot,
            TimeStep = TimeSpan.FromMilliseconds(10),
            PodStatusLag = TimeSpan.Zero,
        });
        using var client = EmulatorFixture.CreateClient(server);
        const string ns = "default";
        for (var run = 0; run < 3; run++)
        {
            var name = $"writer-{run}";
            await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec
                {
                    RestartPolicy = "Never",
                    Containers = [new V1Container { Name = "main", Image = fx.Image, Command = ["sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done"] }],
                },
            }, ns);
            await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Status?.Phase == "Succeeded", "the writer to succeed", 120, 20);
            for (var read = 0; read < 2; read++)
            {
                using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(name, ns, timestamps: true);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                output.WriteLine($"run {run} read {read}: {lines.Length} lines, {lines.FirstOrDefault()} .. {lines.LastOrDefault()}");
                Assert.Equal(3000, lines.Length);
                Assert.EndsWith(" line 2999", lines[^1], StringComparison.Ordinal);
            }
        }
    }
}
