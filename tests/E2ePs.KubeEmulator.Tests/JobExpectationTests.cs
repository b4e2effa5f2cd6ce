using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The job controller's expectations, keyed by namespace/name as upstream's
/// (kubernetes/kubernetes pkg/controller/controller_utils.go ControllerExpectations; #131917, #142142):
/// a Job deleted and created again under its name while its pod is not yet observed gets no pods until
/// the expectations expire, while a Job with a name of its own gets its pod. Each test has an emulator
/// of its own, with the controller's informers late by <see cref="InformerDelay"/>: that opens, wide
/// enough to hit on a loaded machine, the window a real cluster has for an informer event in flight.
/// </summary>
public sealed class JobExpectationTests
{
    private static readonly TimeSpan InformerDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExpectationsTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DeleteAndRecreateUnderTheSameName_StallsUntilTheExpectationsExpire_WhileAJobOfItsOwnNameRuns()
    {
        await using var server = await StartAsync(sameNameExpectations: true);
        using var client = EmulatorFixture.CreateClient(server);

        var (oldPod, recreatedAt) = await DeleteAndRecreateAsync(client);
        await client.BatchV1.CreateNamespacedJobAsync(Job("own-name"), "default");

        // The controller sees "own-name" after the re-created Job (its informer keeps the order), so once
        // own-name has its pod, the re-created Job has been synced too, and was refused its pod.
        await PodOfAsync(client, "own-name");
        Assert.Empty(await PodsAsync(client, "same-name"));

        // It gets one once the old Job's expectations expire, not before.
        var pod = await PodOfAsync(client, "same-name", seconds: 90);
        var created = pod.Metadata.CreationTimestamp!.Value;
        Assert.True(created - oldPod.Metadata.CreationTimestamp!.Value >= ExpectationsTimeout - TimeSpan.FromSeconds(1),
            $"the re-created Job got a pod at {created:O}, before the expectations raised at {oldPod.Metadata.CreationTimestamp:O} expired");
        Assert.True(created > recreatedAt);
    }

    [Fact]
    public async Task DeleteAndRecreateUnderTheSameName_GetsItsPod_WithTheSwitchOff()
    {
        await using var server = await StartAsync(sameNameExpectations: false);
        using var client = EmulatorFixture.CreateClient(server);

        await DeleteAndRecreateAsync(client);
        await client.BatchV1.CreateNamespacedJobAsync(Job("own-name"), "default");

        await PodOfAsync(client, "own-name");
        await PodOfAsync(client, "same-name");
    }

    private static Task<EmulatorServer> StartAsync(bool sameNameExpectations) =>
        EmulatorServer.StartAsync(new EmulatorOptions
        {
            TimeStep = TimeSpan.FromMilliseconds(10),
            SameNameJobExpectations = sameNameExpectations,
            JobExpectationsTimeout = ExpectationsTimeout,
            JobInformerDelay = InformerDelay,
        });

    /// <summary>What the previous Start-E2eJob did: the Job's pod exists, the Job is deleted and created again at once.</summary>
    private static async Task<(V1Pod OldPod, DateTime RecreatedAt)> DeleteAndRecreateAsync(Kubernetes client)
    {
        await client.BatchV1.CreateNamespacedJobAsync(Job("same-name"), "default");
        var oldPod = await PodOfAsync(client, "same-name");
        await client.BatchV1.DeleteNamespacedJobAsync("same-name", "default", propagationPolicy: "Background");
        var recreated = await client.BatchV1.CreateNamespacedJobAsync(Job("same-name"), "default");
        Assert.NotEqual(oldPod.Metadata.OwnerReferences.Single().Uid, recreated.Metadata.Uid);
        return (oldPod, recreated.Metadata.CreationTimestamp!.Value);
    }

    private static V1Job Job(string name) => Manifests.Job(name, "registry.example/e2e:1", ["sh", "-c", "sleep 600"]);

    /// <summary>The pods of the Job now called <paramref name="job"/> (by its uid: the deleted one's pods do not count).</summary>
    private static async Task<List<V1Pod>> PodsAsync(Kubernetes client, string job)
    {
        V1Job current;
        try
        {
            current = await client.BatchV1.ReadNamespacedJobAsync(job, "default");
        }
        catch (k8s.Autorest.HttpOperationException error) when (error.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        var pods = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"batch.kubernetes.io/controller-uid={current.Metadata.Uid}");
        return [.. pods.Items];
    }

    private static async Task<V1Pod> PodOfAsync(Kubernetes client, string job, double seconds = 60) =>
        (await Eventually.WaitAsync(() => PodsAsync(client, job), pods => pods.Count > 0, $"a pod of Job {job}", seconds))[0];
}
