using E2ePs.TestSupport;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The emulator's Cluster Autoscaler (--autoscale-after-seconds, --autoscale-max-nodes; docs/emulator.md): an
/// Unschedulable pod gets cluster-autoscaler's TriggeredScaleUp and a node that takes it, or NotTriggerScaleUp beyond
/// the group's maximum, as kubernetes/autoscaler cluster-autoscaler records them. One small emulator per test: a node of
/// 2 CPUs, so a pod asking for 1.5 fills it.
/// </summary>
public sealed class AutoscalerTests
{
    private static readonly V1ResourceRequirements s_big = new() { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1500m"), ["memory"] = new("1Gi") } };

    private static Task<EmulatorServer> StartAsync(int maxNodes, bool autoscaler = true)
    {
        var options = new EmulatorOptions { TimeStep = TimeSpan.FromMilliseconds(10), AutoscaleAfter = autoscaler ? TimeSpan.FromSeconds(2) : null, AutoscaleMaxNodes = maxNodes };
        options.Nodes.Add(new NodeSpec { Name = "emulator-node-1", Cpu = "2", Memory = "4Gi" });
        return EmulatorServer.StartAsync(options);
    }

    private static async Task<V1Pod> PodOfAsync(Kubernetes client, string job, Func<V1Pod, bool> done, string what) =>
        (await Eventually.WaitAsync(
            async () => (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"job-name={job}")).Items.ToList(),
            pods => pods.Count == 1 && done(pods[0]), what))[0];

    private static async Task<List<Corev1Event>> EventsOfAsync(Kubernetes client, V1Pod pod) =>
        [.. (await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.uid={pod.Metadata.Uid}")).Items];

    [Fact]
    public async Task An_unschedulable_pod_triggers_a_scale_up_and_runs_on_the_new_node()
    {
        await using var server = await StartAsync(maxNodes: 3);
        using var client = EmulatorFixture.CreateClient(server);
        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("first", "registry.example/e2e:1", ["sh", "-c", "sleep 600"], resources: s_big), "default");
        await PodOfAsync(client, "first", p => p.Spec.NodeName is not null, "the first pod on the first node");

        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("second", "registry.example/e2e:1", ["sh", "-c", "echo served"], resources: s_big), "default");

        // Unschedulable first, with the scheduler's sentence and the autoscaler's decision.
        var pending = await PodOfAsync(client, "second", p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true, "the second pod Unschedulable");
        var triggered = (await Eventually.WaitAsync(() => EventsOfAsync(client, pending), events => events.Any(e => e.Reason == "TriggeredScaleUp"), "TriggeredScaleUp"))
            .Single(e => e.Reason == "TriggeredScaleUp");
        Assert.Equal("Normal", triggered.Type);
        Assert.Equal("cluster-autoscaler", triggered.Source.Component);
        Assert.Equal("pod triggered scale-up: [{emulator-pool 1->2 (max: 3)}]", triggered.Message);

        // The node comes, and the pod runs on it.
        var served = await PodOfAsync(client, "second", p => p.Status?.Phase == "Succeeded", "the second pod served by the new node");
        Assert.Equal("emulator-node-2", served.Spec.NodeName);
        Assert.Equal(2, (await client.CoreV1.ListNodeAsync()).Items.Count);

        // The status ConfigMap says so, with a ScaledUpGroup event on it.
        var status = await client.CoreV1.ReadNamespacedConfigMapAsync("cluster-autoscaler-status", "kube-system");
        Assert.Contains("autoscalerStatus: Running", status.Data["status"], StringComparison.Ordinal);
        Assert.True(status.Metadata.Annotations.ContainsKey("cluster-autoscaler.kubernetes.io/last-updated"));
        var scaled = await client.CoreV1.ListNamespacedEventAsync("kube-system", fieldSelector: "reason=ScaledUpGroup");
        Assert.Contains(scaled.Items, e => e.Message == "Scale-up: setting group emulator-pool size to 2 instead of 1 (max: 3)");
    }

    [Fact]
    public async Task Beyond_the_maximum_the_pod_gets_NotTriggerScaleUp_and_stays_pending()
    {
        await using var server = await StartAsync(maxNodes: 1);
        using var client = EmulatorFixture.CreateClient(server);
        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("first", "registry.example/e2e:1", ["sh", "-c", "sleep 600"], resources: s_big), "default");
        await PodOfAsync(client, "first", p => p.Spec.NodeName is not null, "the first pod on the first node");

        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("second", "registry.example/e2e:1", ["sh", "-c", "echo never"], resources: s_big), "default");
        var pending = await PodOfAsync(client, "second", p => p.Status?.Conditions?.Any(c => c.Reason == "Unschedulable") == true, "the second pod Unschedulable");

        var refused = (await Eventually.WaitAsync(() => EventsOfAsync(client, pending), events => events.Any(e => e.Reason == "NotTriggerScaleUp"), "NotTriggerScaleUp"))
            .Single(e => e.Reason == "NotTriggerScaleUp");
        Assert.Equal("pod didn't trigger scale-up: 1 max node group size reached", refused.Message);
        Assert.Equal("cluster-autoscaler", refused.Source.Component);
        Assert.Single((await client.CoreV1.ListNodeAsync()).Items);
        Assert.Null((await client.CoreV1.ReadNamespacedPodAsync(pending.Metadata.Name, "default")).Spec.NodeName);
    }

    [RequiresToolsFact("kubectl")]
    public async Task Kubectl_shows_the_autoscaler_events_and_without_one_there_is_no_status_configmap()
    {
        await using var server = await StartAsync(maxNodes: 1);
        using var client = EmulatorFixture.CreateClient(server);
        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("huge", "registry.example/e2e:1", ["sh", "-c", "echo never"],
            resources: new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("64Gi") } }), "default");
        var pending = await PodOfAsync(client, "huge", p => p.Status?.Conditions?.Any(c => c.Reason == "Unschedulable") == true, "the pod Unschedulable");
        await Eventually.WaitAsync(() => EventsOfAsync(client, pending), events => events.Any(e => e.Reason == "NotTriggerScaleUp"), "NotTriggerScaleUp");

        var events = await EmulatorFixture.RunKubectlAsync(server, "get", "events", "-n", "default", "--field-selector", $"involvedObject.name={pending.Metadata.Name}");
        Assert.True(events.ExitCode == 0, events.Stderr);
        Assert.Matches(@"Normal\s+NotTriggerScaleUp\s+pod/\S+\s+pod didn't trigger scale-up: 1 Insufficient memory", events.Stdout);

        await using var plain = await StartAsync(maxNodes: 1, autoscaler: false);
        var missing = await EmulatorFixture.RunKubectlAsync(plain, "get", "configmap", "cluster-autoscaler-status", "-n", "kube-system");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("configmaps \"cluster-autoscaler-status\" not found", missing.Stderr, StringComparison.Ordinal);
    }
}
