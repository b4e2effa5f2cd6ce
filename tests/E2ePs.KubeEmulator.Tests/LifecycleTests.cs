using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>An emulator of two nodes whose lost nodes are marked unreachable after 0.2 s, for <see cref="LifecycleTests"/>.</summary>
public sealed class LifecycleEmulator : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    private int _namespaces;

    public async Task InitializeAsync()
    {
        var options = new EmulatorOptions { TimeStep = TimeSpan.FromMilliseconds(10), NodeMonitorGracePeriod = TimeSpan.FromMilliseconds(200) };
        options.Nodes.Add(new NodeSpec { Name = "node-a" });
        options.Nodes.Add(new NodeSpec { Name = "node-b" });
        Server = await EmulatorServer.StartAsync(options);
        Server.AddScenario(new ContainerScenario { Image = "lifecycle/stubborn:*", Lines = ["running"], DurationMs = 600_000, OnSigterm = "ignore" });
        Server.AddScenario(new ContainerScenario { Image = "lifecycle/reporter:*", Lines = ["running"], DurationMs = 600_000, SigtermLines = ["report: 3 passed, 1 failed"], SigtermExitMs = 1500 });
        Server.AddScenario(new ContainerScenario { Image = "lifecycle/exit42:*", Lines = ["boom"], ExitCode = 42 });
        Client = EmulatorFixture.CreateClient(Server);
        Http = EmulatorFixture.CreateHttp(Server, Server.Token);
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// Graceful deletion, Job deadlines, eviction, podFailurePolicy, the job-tracking finalizer and node loss, each as a
/// real cluster does them (kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer,
/// pkg/controller/job/job_controller.go, pod_failure_policy.go, pkg/registry/core/pod/storage/eviction.go,
/// pkg/controller/nodelifecycle, pkg/controller/tainteviction), shown with kubectl and KubernetesClient.
/// </summary>
public sealed class LifecycleTests(LifecycleEmulator emu) : IClassFixture<LifecycleEmulator>
{
    private Kubernetes Client => emu.Client;

    [Fact]
    public async Task KubectlDeleteWithAGracePeriod_LeavesThePodTerminating_ThenKillsAContainerThatIgnoresSigterm()
    {
        var ns = await emu.NewNamespaceAsync("grace");
        await using var history = PodHistory.Start(emu.Http, ns);
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("stubborn", "lifecycle/stubborn:1", ["run"]), ns);
        var pod = await RunningPodAsync(ns, "stubborn");
        Assert.Contains("batch.kubernetes.io/job-tracking", pod.Metadata.Finalizers);

        var deletedAt = DateTime.UtcNow;
        var (code, _, stderr) = await EmulatorFixture.RunKubectlAsync(emu.Server, "delete", "pod", pod.Metadata.Name, "-n", ns, "--grace-period=2", "--wait=false");
        Assert.True(code == 0, stderr);

        var terminating = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal(2, terminating.Metadata.DeletionGracePeriodSeconds);
        var (getCode, table, _) = await EmulatorFixture.RunKubectlAsync(emu.Server, "get", "pod", pod.Metadata.Name, "-n", ns);
        Assert.True(getCode == 0 && table.Contains("Terminating", StringComparison.Ordinal), table);

        var last = await history.DeletedAsync(pod.Metadata.Name);
        var goneAt = DateTime.UtcNow;
        var terminated = last.Status.ContainerStatuses.Single().State.Terminated;
        Assert.Equal(137, terminated.ExitCode);
        // Not before the grace period is over: deletionTimestamp is the deletion's time plus the grace period.
        Assert.True(goneAt - deletedAt >= TimeSpan.FromSeconds(2), $"gone at {goneAt:O}, before the 2 s grace period that began at {deletedAt:O} ran out");
        Assert.True(terminated.FinishedAt >= terminating.Metadata.DeletionTimestamp, $"killed at {terminated.FinishedAt:O}, before {terminating.Metadata.DeletionTimestamp:O}");
        Assert.Contains(await EventsAsync(ns, pod.Metadata.Name), e => e.Reason == "Killing" && e.Message == "Stopping container test");
    }

    [Fact]
    public async Task ADeadline_StopsThePodGracefully_AndTheJobFailsOnlyOnceItHasStopped()
    {
        var ns = await emu.NewNamespaceAsync("deadline");
        await using var history = PodHistory.Start(emu.Http, ns);
        await using var jobs = JobHistory.Start(emu.Http, ns);
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("reporter", "lifecycle/reporter:1", ["run"], deadline: 1), ns);
        var pod = await RunningPodAsync(ns, "reporter");
        var log = FollowLogAsync(ns, pod.Metadata.Name);

        var last = await history.DeletedAsync(pod.Metadata.Name);
        Assert.Equal(143, last.Status.ContainerStatuses.Single().State.Terminated.ExitCode);
        Assert.Equal("running\nreport: 3 passed, 1 failed\n", await log);

        var failed = await Eventually.WaitAsync(() => Client.BatchV1.ReadNamespacedJobAsync("reporter", ns), j => HasCondition(j, "Failed"), "job reporter Failed");
        Assert.Equal(["FailureTarget", "Failed"], failed.Status.Conditions.Select(c => c.Type));
        Assert.All(failed.Status.Conditions, c => Assert.Equal("DeadlineExceeded", c.Reason));
        // Between the two conditions the Job counted its pod as terminating; Failed came with none left.
        var seen = jobs.Statuses();
        Assert.Contains(seen, s => HasCondition(s, "FailureTarget") && !HasCondition(s, "Failed") && s.Status.Terminating == 1);
        Assert.All(seen.Where(s => HasCondition(s, "Failed")), s => Assert.Equal(0, s.Status.Terminating));
    }

    [Fact]
    public async Task KubectlDrain_EvictsTheJobsPod_WithDisruptionTarget_AndAnIgnoreRuleReplacesItWithoutCountingAFailure()
    {
        var ns = await emu.NewNamespaceAsync("drain");
        await using var history = PodHistory.Start(emu.Http, ns);
        var job = Manifests.Job("drained", "busybox", ["sleep", "600"]);
        job.Spec.PodFailurePolicy = new V1PodFailurePolicy { Rules = [new V1PodFailurePolicyRule { Action = "Ignore", OnPodConditions = [new V1PodFailurePolicyOnPodConditionsPattern { Type = "DisruptionTarget", Status = "True" }] }] };
        var created = await Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        Assert.Equal("Failed", created.Spec.PodReplacementPolicy);
        var pod = await RunningPodAsync(ns, "drained");
        var node = pod.Spec.NodeName;

        try
        {
            var (code, stdout, stderr) = await EmulatorFixture.RunKubectlAsync(emu.Server, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s");
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains($"pod/{pod.Metadata.Name} evicted", stdout + stderr, StringComparison.Ordinal);
            Assert.True((await Client.CoreV1.ReadNodeAsync(node)).Spec.Unschedulable);

            var last = await history.DeletedAsync(pod.Metadata.Name);
            var disruption = Assert.Single(last.Status.Conditions, c => c.Type == "DisruptionTarget");
            Assert.Equal(("True", "EvictionByEvictionAPI", "Eviction API: evicting"), (disruption.Status, disruption.Reason, disruption.Message));
            Assert.Equal("Failed", last.Status.Phase);

            var replacement = await Eventually.WaitAsync(
                async () => (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.FirstOrDefault(p => p.Status?.Phase == "Running"),
                p => p is not null, "the replacement pod");
            Assert.NotEqual(node, replacement!.Spec.NodeName);
            var status = (await Client.BatchV1.ReadNamespacedJobAsync("drained", ns)).Status;
            Assert.Null(status.Failed);
            Assert.Null(status.Conditions);
        }
        finally
        {
            await EmulatorFixture.RunKubectlAsync(emu.Server, "uncordon", node);
        }
    }

    [Fact]
    public async Task AnEvictionWithoutAPolicy_UsesUpTheBackoffLimit_AndTheCountedPodLosesItsFinalizerAndGoes()
    {
        var ns = await emu.NewNamespaceAsync("evict");
        await using var history = PodHistory.Start(emu.Http, ns);
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("evicted", "busybox", ["sleep", "600"]), ns);
        var pod = await RunningPodAsync(ns, "evicted");

        await Client.CoreV1.CreateNamespacedPodEvictionAsync(
            new V1Eviction { Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = ns }, DeleteOptions = new V1DeleteOptions { GracePeriodSeconds = 5 } },
            pod.Metadata.Name, ns);

        var last = await history.DeletedAsync(pod.Metadata.Name);
        Assert.Contains(last.Status.Conditions, c => c.Type == "DisruptionTarget" && c.Reason == "EvictionByEvictionAPI");
        Assert.Null(last.Metadata.Finalizers);
        var job = await Eventually.WaitAsync(() => Client.BatchV1.ReadNamespacedJobAsync("evicted", ns), j => HasCondition(j, "Failed"), "job evicted Failed");
        Assert.Equal("BackoffLimitExceeded", job.Status.Conditions.Last().Reason);
        Assert.Equal(1, job.Status.Failed);
    }

    [Fact]
    public async Task PodFailurePolicy_FailJobOnAnExitCode_FailsAtOnce_AndOnlyNeverIsAllowed()
    {
        var ns = await emu.NewNamespaceAsync("pfp");
        var job = Manifests.Job("exit42", "lifecycle/exit42:1", ["run"], backoffLimit: 6);
        job.Spec.PodFailurePolicy = new V1PodFailurePolicy
        {
            Rules =
            [
                new V1PodFailurePolicyRule { Action = "Ignore", OnPodConditions = [new V1PodFailurePolicyOnPodConditionsPattern { Type = "DisruptionTarget", Status = "True" }] },
                new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = "test", OperatorProperty = "In", Values = [42] } },
            ],
        };
        await Client.BatchV1.CreateNamespacedJobAsync(job, ns);

        var failed = await Eventually.WaitAsync(() => Client.BatchV1.ReadNamespacedJobAsync("exit42", ns), j => HasCondition(j, "Failed"), "job exit42 Failed");
        var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        var condition = failed.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal("PodFailurePolicy", condition.Reason);
        Assert.Equal($"Container test for pod {ns}/{pod.Metadata.Name} failed with exit code 42 matching FailJob rule at index 1", condition.Message);

        job.Metadata.Name = "on-failure";
        job.Spec.Template.Spec.RestartPolicy = "OnFailure";
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => Client.BatchV1.CreateNamespacedJobAsync(job, ns));
        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains("spec.template.spec.restartPolicy: Invalid value: \\\"OnFailure\\\": only \\\"Never\\\" is supported when podFailurePolicy is specified", error.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALostNode_IsTaintedUnreachable_ItsPodIsEvictedAfterItsToleration_AndTheJobCompletesOnlyOnceThePodIsGone()
    {
        var ns = await emu.NewNamespaceAsync("nodeloss");
        await using var history = PodHistory.Start(emu.Http, ns);
        var job = Manifests.Job("lost", "busybox", ["sleep", "1"], backoffLimit: 1);
        job.Spec.Template.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 1 }];
        await Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        var pod = await RunningPodAsync(ns, "lost");
        var node = pod.Spec.NodeName;

        emu.Server.LoseNode(node);
        try
        {
            var unreachable = await Eventually.WaitAsync(() => Client.CoreV1.ReadNodeAsync(node), n => n.Spec.Taints?.Count == 2, $"node {node} tainted");
            Assert.Equal(("Unknown", "NodeStatusUnknown"), unreachable.Status.Conditions.Where(c => c.Type == "Ready").Select(c => (c.Status, c.Reason)).Single());
            Assert.Equal(["NoSchedule", "NoExecute"], unreachable.Spec.Taints.Where(t => t.Key == "node.kubernetes.io/unreachable").Select(t => t.Effect));

            // Its kubelet is gone: the evicted pod stays Terminating, while a replacement runs elsewhere to success.
            var evicted = await Eventually.WaitAsync(() => Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns), p => p.Metadata.DeletionTimestamp is not null, "the pod evicted");
            Assert.Contains(evicted.Status.Conditions, c => c.Type == "DisruptionTarget" && c.Reason == "DeletionByTaintManager" && c.Message == "Taint manager: deleting due to NoExecute taint");
            Assert.Equal("Running", evicted.Status.Phase);
            var met = await Eventually.WaitAsync(() => Client.BatchV1.ReadNamespacedJobAsync("lost", ns), j => HasCondition(j, "SuccessCriteriaMet"), "job lost SuccessCriteriaMet");
            Assert.False(HasCondition(met, "Complete"));
            Assert.Equal(1, met.Status.Terminating);
            Assert.Contains((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items, p => p.Spec.NodeName != node && p.Status.Phase == "Succeeded");
        }
        finally
        {
            emu.Server.RecoverNode(node);
        }

        await history.DeletedAsync(pod.Metadata.Name);
        var complete = await Eventually.WaitAsync(() => Client.BatchV1.ReadNamespacedJobAsync("lost", ns), j => HasCondition(j, "Complete"), "job lost Complete");
        Assert.Equal(0, complete.Status.Terminating);
        Assert.Null((await Client.CoreV1.ReadNodeAsync(node)).Spec.Taints?.FirstOrDefault(t => t.Key == "node.kubernetes.io/unreachable"));
    }

    private static bool HasCondition(V1Job job, string type) => job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    private Task<V1Pod> RunningPodAsync(string ns, string job) =>
        Eventually.WaitAsync(
            async () => (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"batch.kubernetes.io/job-name={job}")).Items.FirstOrDefault(),
            p => p?.Status?.Phase == "Running", $"a running pod of {job}")!;

    private async Task<List<Corev1Event>> EventsAsync(string ns, string name) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}")).Items];

    private async Task<string> FollowLogAsync(string ns, string pod)
    {
        using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, follow: true);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Every state a watch delivered of the objects of one namespace, read on as they come.</summary>
    private abstract class History<T> : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(3));
        private readonly ConcurrentQueue<(string Type, T Object)> _seen = new();
        private readonly SemaphoreSlim _arrived = new(0);
        private Task _reading = Task.CompletedTask;

        protected void Begin(HttpClient http, string path) => _reading = ReadAsync(http, path);

        private async Task ReadAsync(HttpClient http, string path)
        {
            try
            {
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var e = JsonNode.Parse(line)!;
                    _seen.Enqueue((e["type"]!.GetValue<string>(), KubernetesJson.Deserialize<T>(e["object"]!.ToJsonString())));
                    _arrived.Release();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public List<T> All() => [.. _seen.Select(s => s.Object)];

        /// <summary>The first event matching <paramref name="match"/>, waited for with a bound.</summary>
        protected async Task<T> FirstAsync(Func<string, T, bool> match, string what)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            bound.CancelAfter(TimeSpan.FromSeconds(60));
            while (true)
            {
                foreach (var (type, obj) in _seen)
                {
                    if (match(type, obj))
                    {
                        return obj;
                    }
                }

                try
                {
                    await _arrived.WaitAsync(bound.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"timed out waiting for {what}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading;
            _stop.Dispose();
            _arrived.Dispose();
        }
    }

    private sealed class PodHistory : History<V1Pod>
    {
        public static PodHistory Start(HttpClient http, string ns)
        {
            var history = new PodHistory();
            history.Begin(http, $"/api/v1/namespaces/{ns}/pods?watch=1");
            return history;
        }

        /// <summary>The pod as it was when it left the store.</summary>
        public Task<V1Pod> DeletedAsync(string name) => FirstAsync((type, p) => type == "DELETED" && p.Metadata.Name == name, $"pod {name} deleted");
    }

    private sealed class JobHistory : History<V1Job>
    {
        public static JobHistory Start(HttpClient http, string ns)
        {
            var history = new JobHistory();
            history.Begin(http, $"/apis/batch/v1/namespaces/{ns}/jobs?watch=1");
            return history;
        }

        public List<V1Job> Statuses() => All();
    }
}
