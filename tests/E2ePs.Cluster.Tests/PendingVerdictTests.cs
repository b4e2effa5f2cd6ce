using E2ePs.Contracts;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Runs;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using E2ePs.Tests.Support;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>An emulated cluster with a Cluster Autoscaler: nodes of 4Gi, a new one 3 s after a pod is Unschedulable, at most two.</summary>
public sealed class AutoscaledClusterFixture() : EmulatedCluster("a")
{
    protected override void Configure(EmulatorOptions options)
    {
        options.Nodes.Add(new NodeSpec { Name = "emulator-node-1", Cpu = "4", Memory = "4Gi" });
        options.AutoscaleAfter = TimeSpan.FromSeconds(3);
        options.AutoscaleMaxNodes = 2;
    }
}

/// <summary>
/// Wait-E2eJob's verdict on a pending run under the emulator's autoscaler (issue 15, row 1) and on a pod whose volume
/// Secret is missing (row 2), over HTTPS. The verdicts' rules: docs/architecture.md, "Pending pods".
/// </summary>
public sealed class PendingVerdictTests(AutoscaledClusterFixture cluster) : IClassFixture<AutoscaledClusterFixture>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    private async Task<(E2eRun Run, List<WaitUpdate> Updates)> StartAndWaitAsync(string name, string memory, WaitOptions options)
    {
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["1 passed"] });
        var job = cluster.Scaffold(name, ns, image, r => r.Memory = [memory]);
        using var limit = new CancellationTokenSource(s_limit);
        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, limit.Token);
        var updates = new List<WaitUpdate>();
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], options, limit.Token))
        {
            updates.Add(update);
        }

        Assert.False(limit.IsCancellationRequested, "the wait did not end on its own");
        return (Assert.Single(updates, u => u.Finished is not null).Finished!, updates);
    }

    [Fact]
    public async Task A_run_the_autoscaler_serves_waits_for_the_new_node_and_succeeds()
    {
        // A pod that fills the first node, so the run's pod is Unschedulable there and fits a new one.
        var blockerNs = await cluster.NewNamespaceAsync();
        await cluster.Observer.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "blocker" },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "c", Image = "registry.test/blocker:1", Command = ["sh", "-c", "sleep 3600"], Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("3Gi") } } }],
            },
        }, blockerNs);

        var (run, updates) = await StartAndWaitAsync("scaled", "2Gi", new WaitOptions());

        Assert.True(run.Status == E2eRunStatus.Succeeded, $"{run.Status} {run.Reason}: {run.Message}");
        Assert.Contains(updates, u => u.Change?.Contains("waits for a new node: cluster-autoscaler reports TriggeredScaleUp: pod triggered scale-up: [{emulator-pool 1->2 (max: 2)}]", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_pod_no_node_of_the_group_can_hold_fails_fast_with_NotTriggerScaleUp()
    {
        var started = DateTimeOffset.UtcNow;
        var (run, _) = await StartAndWaitAsync("toobig", "16Gi", new WaitOptions { ScheduleGracePeriod = TimeSpan.FromMinutes(10) });

        Assert.Equal(E2eRunStatus.Failed, run.Status);
        Assert.Equal("Unschedulable", run.Reason);
        Assert.Equal(E2eFailureKind.Infrastructure, run.FailureKind);
        Assert.Contains("cluster-autoscaler reports NotTriggerScaleUp: pod didn't trigger scale-up: 1 Insufficient memory", run.Message, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromMinutes(10), "the run waited out the grace period instead of failing on NotTriggerScaleUp");
    }

    [Fact]
    public async Task A_volume_whose_secret_is_missing_fails_as_configuration_naming_the_secret()
    {
        // A Job applied as kubectl would (Start-E2eJob refuses it: SecretReferenceTests), whose git-credentials Secret is missing.
        var ns = await cluster.NewNamespaceAsync();
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "test-mount-e2e", Labels = new Dictionary<string, string> { [JobLabels.E2eJob] = "mount" } },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { [JobLabels.E2eJob] = "mount" } },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        Volumes = [new V1Volume { Name = JobLabels.GitCredentialsVolume, Secret = new V1SecretVolumeSource { SecretName = "mount-git" } }],
                        Containers = [new V1Container { Name = JobLabels.TestContainer, Image = "registry.test/e2e/mount:1", VolumeMounts = [new V1VolumeMount { Name = JobLabels.GitCredentialsVolume, MountPath = "/etc/e2eps/git" }] }],
                    },
                },
            },
        };
        var created = await cluster.Observer.BatchV1.CreateNamespacedJobAsync(job, ns);
        var run = new E2eRun { Name = "mount", JobName = created.Metadata.Name, Namespace = ns, Kubeconfig = cluster.Emulator.KubeconfigPath, RunId = RunIds.FromUid(created.Metadata.Uid), Uid = created.Metadata.Uid };

        using var limit = new CancellationTokenSource(s_limit);
        E2eRun? finished = null;
        await foreach (var update in cluster.Engine.Cluster.WaitAsync([run], new WaitOptions { MissingObjectGracePeriod = TimeSpan.FromSeconds(1) }, limit.Token))
        {
            finished = update.Finished ?? finished;
        }

        Assert.NotNull(finished);
        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Equal("FailedMount", finished.Reason);
        Assert.Equal(E2eFailureKind.Configuration, finished.FailureKind);
        Assert.Contains($"its volume 'git-credentials' needs the Secret 'mount-git', which does not exist in namespace '{ns}'", finished.Message, StringComparison.Ordinal);
        Assert.Contains($"kubectl create secret generic mount-git -n {ns}", finished.Message, StringComparison.Ordinal);
    }
}
