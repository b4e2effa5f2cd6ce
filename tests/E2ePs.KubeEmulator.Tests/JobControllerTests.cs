using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>The simulated job controller, scheduler and kubelet.</summary>
[Collection("emulator")]
public sealed class JobControllerTests(EmulatorFixture fx)
{
    private Kubernetes Client => fx.Client;

    private Task<V1Job> WaitForConditionAsync(string ns, string name, string condition, double seconds = 60) =>
        Eventually.WaitAsync(() => Client.BatchV1.ReadNamespacedJobAsync(name, ns), j => j.Status?.Conditions?.Any(c => c.Type == condition && c.Status == "True") == true, $"job {name} {condition}", seconds);

    private async Task<List<V1Pod>> PodsAsync(string ns, string job) =>
        [.. (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"batch.kubernetes.io/job-name={job}")).Items];

    private async Task<List<Corev1Event>> EventsAsync(string ns, string name) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}")).Items];

    [Fact]
    public async Task SuccessfulJobHasRealDefaultsLabelsAndConditions()
    {
        var ns = await fx.NewNamespaceAsync("job-success");
        var created = await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("ok", "registry.example/fresh-image:1.0", ["sh", "-c", "echo hello; exit 0"]), ns);
        Assert.Equal(1, created.Spec.Completions);
        Assert.Equal(1, created.Spec.Parallelism);
        Assert.Equal("NonIndexed", created.Spec.CompletionMode);
        Assert.False(created.Spec.Suspend);
        Assert.Equal("TerminatingOrFailed", created.Spec.PodReplacementPolicy);
        Assert.Equal(created.Metadata.Uid, created.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal("ok", created.Spec.Template.Metadata.Labels["job-name"]);
        Assert.Equal(1, created.Metadata.Generation);

        var job = await WaitForConditionAsync(ns, "ok", "Complete");
        Assert.Equal(["SuccessCriteriaMet", "Complete"], job.Status.Conditions.Select(c => c.Type));
        Assert.Equal(1, job.Status.Succeeded);
        Assert.NotNull(job.Status.CompletionTime);
        Assert.NotNull(job.Status.StartTime);

        var pod = Assert.Single(await PodsAsync(ns, "ok"));
        Assert.Matches("^ok-[a-z0-9]{5}$", pod.Metadata.Name);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels["controller-uid"]);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.True(owner.Controller);
        Assert.True(owner.BlockOwnerDeletion);
        Assert.Equal("emulator-node-1", pod.Spec.NodeName);
        var state = pod.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(("Completed", 0), (state.Reason, state.ExitCode));
        Assert.Equal(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"], pod.Status.Conditions.Select(c => c.Type));

        var reasons = (await EventsAsync(ns, pod.Metadata.Name)).Select(e => e.Reason).ToList();
        Assert.Equal(["Scheduled", "Pulling", "Pulled", "Created", "Started"], reasons.Take(5));
        var started = (await EventsAsync(ns, pod.Metadata.Name)).Single(e => e.Reason == "Started");
        Assert.Equal("spec.containers{test}", started.InvolvedObject.FieldPath);
        Assert.Equal("kubelet", started.Source.Component);
        Assert.Contains((await EventsAsync(ns, "ok")).Select(e => e.Reason), r => r == "Completed");
    }

    [Fact]
    public async Task BackoffRetriesUntilTheLimitThenFails()
    {
        var ns = await fx.NewNamespaceAsync("job-backoff");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("flaky", "busybox:1.36", ["sh", "-c", "echo failing; exit 1"], backoffLimit: 2), ns);
        var job = await WaitForConditionAsync(ns, "flaky", "Failed");
        Assert.Equal(3, job.Status.Failed);
        Assert.Equal(["FailureTarget", "Failed"], job.Status.Conditions.Select(c => c.Type));
        Assert.Equal("BackoffLimitExceeded", job.Status.Conditions[1].Reason);
        var pods = await PodsAsync(ns, "flaky");
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.Equal(("Failed", "Error", 1), (p.Status.Phase, p.Status.ContainerStatuses[0].State.Terminated.Reason, p.Status.ContainerStatuses[0].State.Terminated.ExitCode)));
    }

    [Fact]
    public async Task OnFailureRestartsInThePodAndCountsRestartsAgainstTheBackoffLimit()
    {
        var ns = await fx.NewNamespaceAsync("job-onfailure");
        fx.Server.AddScenario(new ContainerScenario { Image = "scenario/crashy:*", Lines = ["try"], DurationMs = 200, ExitCode = 1 });

        // The restart happens in the pod, and the previous attempt's log is kept. A backoff limit far out
        // of reach keeps this pod alive for as long as the test needs it: with a low limit the job fails
        // and deletes its pod, and on a busy machine that once happened before the log was read (a 404).
        var restarting = Manifests.Job("restarting", "scenario/crashy:1", ["run"], backoffLimit: 100);
        restarting.Spec.Template.Spec.RestartPolicy = "OnFailure";
        await Client.BatchV1.CreateNamespacedJobAsync(restarting, ns);
        var pod = await Eventually.WaitAsync(
            async () => (await PodsAsync(ns, "restarting")).FirstOrDefault(),
            p => p?.Status?.ContainerStatuses?[0].RestartCount >= 1, "a restart");
        Assert.NotNull(pod!.Status.ContainerStatuses[0].LastState.Terminated);
        var previous = await new StreamReader(await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, previous: true)).ReadToEndAsync();
        Assert.Equal("try\n", previous);
        Assert.Single(await PodsAsync(ns, "restarting"));

        // The restarts count against the backoff limit: after the third failed attempt in the one pod
        // the Job fails, and its pod is deleted.
        var limited = Manifests.Job("restarts", "scenario/crashy:1", ["run"], backoffLimit: 2);
        limited.Spec.Template.Spec.RestartPolicy = "OnFailure";
        await Client.BatchV1.CreateNamespacedJobAsync(limited, ns);
        var failed = await WaitForConditionAsync(ns, "restarts", "Failed");
        Assert.Equal("BackoffLimitExceeded", failed.Status.Conditions.Single(c => c.Type == "Failed").Reason);
        await Eventually.WaitAsync(() => PodsAsync(ns, "restarts"), p => p.Count == 0, "the failed job's pod to be deleted");
        await Client.BatchV1.DeleteNamespacedJobAsync("restarting", ns, propagationPolicy: "Background");
    }

    [Fact]
    public async Task ExitCodesPerAttemptLetAJobSucceedOnTheThirdPod()
    {
        var ns = await fx.NewNamespaceAsync("job-attempts");
        fx.Server.AddScenario(new ContainerScenario { Image = "scenario/third-time-lucky:*", Lines = ["attempt"], ExitCodes = [1, 1, 0] });
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("lucky", "scenario/third-time-lucky:1", ["run"], backoffLimit: 5), ns);
        var job = await WaitForConditionAsync(ns, "lucky", "Complete");
        Assert.Equal((2, 1), (job.Status.Failed, job.Status.Succeeded));
        Assert.Equal(3, (await PodsAsync(ns, "lucky")).Count);
    }

    [Fact]
    public async Task ActiveDeadlineKillsThePodAndFailsTheJob()
    {
        var ns = await fx.NewNamespaceAsync("job-deadline");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("slow", "busybox:1.36", ["sleep", "600"], deadline: 1), ns);
        var job = await WaitForConditionAsync(ns, "slow", "Failed");
        var failed = job.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal(("DeadlineExceeded", "Job was active longer than specified deadline"), (failed.Reason, failed.Message));
        Assert.Contains(job.Status.Conditions, c => c.Type == "FailureTarget");
        await Eventually.WaitAsync(() => PodsAsync(ns, "slow"), p => p.Count == 0, "the killed pod to go");
    }

    [Fact]
    public async Task TtlAfterFinishedDeletesTheJobAndItsPods()
    {
        var ns = await fx.NewNamespaceAsync("job-ttl");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("short-lived", "busybox:1.36", ["echo", "done"], ttl: 1), ns);
        await Eventually.WaitAsync(async () => (await Client.BatchV1.ListNamespacedJobAsync(ns)).Items.Count, n => n == 0, "TTL deletion");
        Assert.Contains((await EventsAsync(ns, "short-lived")).Select(e => e.Reason), r => r == "Completed");
        await Eventually.WaitAsync(() => PodsAsync(ns, "short-lived"), p => p.Count == 0, "pods removed with the job");
    }

    [Fact]
    public async Task PodThatDoesNotFitStaysPendingUnschedulable()
    {
        var ns = await fx.NewNamespaceAsync("job-unschedulable");
        var resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Gi"), ["cpu"] = new("1") } };
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("huge", "busybox:1.36", ["echo"], resources: resources), ns);
        var pod = await Eventually.WaitAsync(
            async () => (await PodsAsync(ns, "huge")).FirstOrDefault(),
            p => p?.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true, "Unschedulable");
        Assert.Equal("Pending", pod!.Status.Phase);
        Assert.Null(pod.Spec.NodeName);
        var message = "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
        Assert.Equal(message, pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Message);
        var ev = await Eventually.WaitAsync(() => EventsAsync(ns, pod.Metadata.Name), e => e.Any(x => x.Reason == "FailedScheduling"), "FailedScheduling");
        Assert.Equal(("Warning", message), (ev[0].Type, ev[0].Message));
    }

    [Fact]
    public async Task MissingImageGoesErrImagePullThenImagePullBackOff()
    {
        var ns = await fx.NewNamespaceAsync("job-image");
        fx.Server.AddScenario(new ContainerScenario { Image = "registry.example/missing:*", ImageMissing = true });
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("noimage", "registry.example/missing:1.0", ["run"]), ns);
        var pod = await Eventually.WaitAsync(
            async () => (await PodsAsync(ns, "noimage")).FirstOrDefault(),
            p => p?.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "ImagePullBackOff", "ImagePullBackOff");
        Assert.Equal("Pending", pod!.Status.Phase);
        var events = await EventsAsync(ns, pod.Metadata.Name);
        Assert.Contains(events, e => e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image \"registry.example/missing:1.0\"", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Reason == "Failed" && e.Message == "Error: ErrImagePull");
        Assert.Contains(events, e => e.Reason == "BackOff" && e.Message == "Back-off pulling image \"registry.example/missing:1.0\"");
        var logs = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns));
        Assert.Contains($"container \\\"test\\\" in pod \\\"{pod.Metadata.Name}\\\" is waiting to start: trying and failing to pull image", logs.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OomKilledContainerFailsThePod()
    {
        var ns = await fx.NewNamespaceAsync("job-oom");
        fx.Server.AddScenario(new ContainerScenario { Image = "scenario/memory-hog:*", Lines = ["allocating"], DurationMs = 50, OomKilled = true });
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("hog", "scenario/memory-hog:1", ["run"]), ns);
        await WaitForConditionAsync(ns, "hog", "Failed");
        var terminated = (await PodsAsync(ns, "hog"))[0].Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(("OOMKilled", 137), (terminated.Reason, terminated.ExitCode));
    }

    [Fact]
    public async Task FailingInitContainerFailsThePodBeforeTheMainContainer()
    {
        var ns = await fx.NewNamespaceAsync("job-init");
        var init = new List<V1Container> { new() { Name = "setup", Image = "busybox:1.36", Command = ["sh", "-c", "echo setup failed; exit 2"] } };
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("broken-init", "busybox:1.36", ["echo", "never"], init: init), ns);
        await WaitForConditionAsync(ns, "broken-init", "Failed");
        var pod = (await PodsAsync(ns, "broken-init"))[0];
        Assert.Equal("Failed", pod.Status.Phase);
        Assert.Equal(("Error", 2), (pod.Status.InitContainerStatuses[0].State.Terminated.Reason, pod.Status.InitContainerStatuses[0].State.Terminated.ExitCode));
        Assert.Equal("PodInitializing", pod.Status.ContainerStatuses[0].State.Waiting.Reason);
        var initLog = await new StreamReader(await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, container: "setup")).ReadToEndAsync();
        Assert.Equal("setup failed\n", initLog);
        var waiting = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, container: "test"));
        Assert.Contains($"container \\\"test\\\" in pod \\\"{pod.Metadata.Name}\\\" is waiting to start: PodInitializing", waiting.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsLookupsAnswerFromServices()
    {
        var ns = await fx.NewNamespaceAsync("job-dns");
        var svc = await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "backend" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } }, ns);
        Assert.StartsWith("10.", svc.Spec.ClusterIP, StringComparison.Ordinal);
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("dns", "busybox:1.36", ["sh", "-c", "nslookup backend; getent hosts backend." + ns + ".svc.cluster.local"]), ns);
        await WaitForConditionAsync(ns, "dns", "Complete");
        var pod = (await PodsAsync(ns, "dns"))[0];
        var log = await new StreamReader(await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns)).ReadToEndAsync();
        Assert.Contains($"Name:\tbackend.{ns}.svc.cluster.local\nAddress: {svc.Spec.ClusterIP}\n", log, StringComparison.Ordinal);
        Assert.Contains($"{svc.Spec.ClusterIP,-15} backend.{ns}.svc.cluster.local", log, StringComparison.Ordinal);

        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("nxdomain", "busybox:1.36", ["nslookup", "nothing-here"]), ns);
        await WaitForConditionAsync(ns, "nxdomain", "Failed");
        var failedPod = (await PodsAsync(ns, "nxdomain"))[0];
        var nx = await new StreamReader(await Client.CoreV1.ReadNamespacedPodLogAsync(failedPod.Metadata.Name, ns)).ReadToEndAsync();
        Assert.Contains($"** server can't find nothing-here.{ns}.svc.cluster.local: NXDOMAIN", nx, StringComparison.Ordinal);
    }
}
