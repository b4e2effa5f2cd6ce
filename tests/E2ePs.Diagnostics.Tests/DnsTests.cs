using E2ePs.Contracts;
using E2ePs.Engine.Diagnostics;
using E2ePs.Engine.Manifests;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Diagnostics.Tests;

/// <summary>Test-E2eDns's engine against the emulator: Services, EndpointSlices, and look-ups in a probe Job.</summary>
[Collection(DiagnosticsCollection.Name)]
public sealed class DnsTests(DiagnosticsFixture cluster)
{
    private Task<DnsReport> TestAsync(string ns, params string[] hosts) =>
        cluster.Engine.Diagnostics.TestDnsAsync(new DnsRequest { Target = cluster.Target(ns), Hosts = hosts.Select(h => new DnsHost(h, null, "-HostName")).ToList() }, CancellationToken.None);

    [Fact]
    public async Task A_reachable_service_resolves_to_its_cluster_ip_and_leaves_no_probe_behind()
    {
        var ns = await cluster.NewNamespaceAsync();
        var ip = await cluster.ServiceAsync(ns, "vllm-server", 8000, ready: 2);

        var report = await TestAsync(ns, $"http://vllm-server.{ns}.svc.cluster.local:8000");

        Assert.Empty(report.Errors);
        var result = Assert.Single(report.Results);
        Assert.Equal($"vllm-server.{ns}.svc.cluster.local", result.Host);
        Assert.Equal(ns, result.Namespace);
        Assert.Equal(8000, result.Port);
        Assert.True(result.ServiceFound);
        Assert.Equal(["http:8000/TCP"], result.Ports);
        Assert.Equal(2, result.ReadyEndpoints);
        Assert.True(result.Resolved);
        Assert.Equal([ip], result.Addresses);
        Assert.True(result.Reachable);
        Assert.Null(result.Error);
        Assert.StartsWith("probe pod", result.ResolvedBy, StringComparison.Ordinal);
        Assert.Empty(await cluster.ProbeJobsAsync(ns));
        Assert.Empty(await cluster.ProbePodsAsync(ns));
    }

    [Fact]
    public async Task Short_names_missing_services_unready_endpoints_wrong_ports_and_unknown_names_each_get_their_answer_from_one_probe()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.ServiceAsync(ns, "orchestrator", 50055, ready: 0, notReady: 1);
        await cluster.ServiceAsync(ns, "context", 50054, ready: 1);

        var report = await TestAsync(ns, "orchestrator:50055", "context:9999", "missing-svc", "db.example.invalid");

        Assert.Empty(report.Errors);
        Assert.Equal(4, report.Results.Count);
        var unready = report.Results[0];
        Assert.True(unready.ServiceFound);
        Assert.Equal(0, unready.ReadyEndpoints);
        Assert.True(unready.Resolved);
        Assert.False(unready.Reachable);
        Assert.Contains("no ready endpoints", unready.Error, StringComparison.Ordinal);

        var wrongPort = report.Results[1];
        Assert.Equal(1, wrongPort.ReadyEndpoints);
        Assert.False(wrongPort.Reachable);
        Assert.Contains("does not serve port 9999; it serves http:50054/TCP", wrongPort.Error, StringComparison.Ordinal);

        var missing = report.Results[2];
        Assert.Equal($"missing-svc.{ns}.svc.cluster.local", missing.LookupName);
        Assert.False(missing.ServiceFound);
        Assert.False(missing.Resolved);
        Assert.False(missing.Reachable);
        Assert.StartsWith($"There is no Service missing-svc in namespace {ns}", missing.Error, StringComparison.Ordinal);
        Assert.Contains("NXDOMAIN", missing.Error, StringComparison.Ordinal);

        var external = report.Results[3];
        Assert.Null(external.ServiceFound);
        Assert.Null(external.Namespace);
        Assert.False(external.Resolved);
        Assert.Null(external.Reachable);
        Assert.Contains("db.example.invalid does not resolve from inside the cluster", external.Error, StringComparison.Ordinal);
        Assert.Empty(await cluster.ProbeJobsAsync(ns));
    }

    [Fact]
    public async Task An_invalid_host_is_an_error_and_the_other_hosts_are_still_checked()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.ServiceAsync(ns, "api", 80, ready: 1);

        var report = await TestAsync(ns, "not a host!", "http://", "10.0.0.1", "api");

        Assert.Equal(["InvalidHostName", "InvalidHostName", "InvalidHostName"], report.Errors.Select(e => e.ErrorId));
        Assert.All(report.Errors, e => Assert.Equal(E2eErrorCategory.InvalidArgument, e.Category));
        Assert.Equal("not a host!", report.Errors[0].Target);
        Assert.Contains("IP address", report.Errors[2].Message, StringComparison.Ordinal);
        var api = Assert.Single(report.Results);
        Assert.True(api.Reachable);
    }

    [Fact]
    public async Task An_unknown_namespace_fails_before_anything_is_created()
    {
        var error = await Assert.ThrowsAsync<E2eException>(() => TestAsync("no-such-namespace", "api"));

        Assert.Equal("NamespaceNotFound", error.ErrorId);
        Assert.Equal("no-such-namespace", error.Target);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public async Task Without_permission_to_create_the_probe_the_api_checks_still_answer()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.ServiceAsync(ns, "api", 80, ready: 1);
        await cluster.GrantAsync(ns, "reader",
            new V1PolicyRule { ApiGroups = [""], Resources = ["services", "namespaces"], Verbs = ["get", "list"] },
            new V1PolicyRule { ApiGroups = ["discovery.k8s.io"], Resources = ["endpointslices"], Verbs = ["list"] });
        var kubeconfig = cluster.RestrictedKubeconfig("reader");

        var report = await cluster.Engine.Diagnostics.TestDnsAsync(
            new DnsRequest { Target = cluster.Target(ns, kubeconfig), Hosts = [new DnsHost("api", null, "-HostName")] }, CancellationToken.None);

        var error = Assert.Single(report.Errors);
        Assert.Equal("DnsProbeForbidden", error.ErrorId);
        Assert.Equal(E2eErrorCategory.PermissionDenied, error.Category);
        Assert.Contains("results come from the API only", error.Message, StringComparison.Ordinal);
        Assert.Contains("-Pod", error.RecommendedAction, StringComparison.Ordinal);
        var result = Assert.Single(report.Results);
        Assert.True(result.ServiceFound);
        Assert.Equal(1, result.ReadyEndpoints);
        Assert.Null(result.Resolved);
        Assert.True(result.Reachable);
        Assert.Equal("not resolved (DnsProbeForbidden)", result.ResolvedBy);
        Assert.Empty(await cluster.ProbeJobsAsync(ns));
    }

    [Fact]
    public async Task A_probe_image_that_cannot_be_pulled_is_reported_and_deleted()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.ServiceAsync(ns, "api", 80, ready: 1);
        cluster.Emulator.AddScenario(new ContainerScenario { Image = "registry.test/no-busybox:1", ImageMissing = true });

        var report = await cluster.Engine.Diagnostics.TestDnsAsync(
            new DnsRequest { Target = cluster.Target(ns), Hosts = [new DnsHost("api", null, "-HostName")], ProbeImage = "registry.test/no-busybox:1" }, CancellationToken.None);

        var error = Assert.Single(report.Errors);
        Assert.Equal("DnsProbeFailed", error.ErrorId);
        Assert.Contains("registry.test/no-busybox:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("-ProbeImage", error.RecommendedAction, StringComparison.Ordinal);
        Assert.Null(Assert.Single(report.Results).Resolved);
        Assert.Empty(await cluster.ProbeJobsAsync(ns));
        Assert.Empty(await cluster.ProbePodsAsync(ns));
    }

    [Fact]
    public async Task Cancelling_deletes_the_probe_job()
    {
        var ns = await cluster.NewNamespaceAsync();
        cluster.Emulator.AddScenario(new ContainerScenario { Image = "registry.test/slow-busybox:1", DurationMs = 60_000 });
        using var cancel = new CancellationTokenSource();
        var probeSeen = new TaskCompletionSource();
        using var watching = new CancellationTokenSource();
        // Cancel once the probe's pod exists, as a person pressing Ctrl+C during the look-up would.
        var watch = E2ePs.Engine.Waiting.WatchLoop.PodsAsync(cluster.Observer, ns, "app.kubernetes.io/component=dns-probe", null, (_, _) => probeSeen.TrySetResult(), null, watching.Token);

        var test = cluster.Engine.Diagnostics.TestDnsAsync(
            new DnsRequest { Target = cluster.Target(ns), Hosts = [new DnsHost("api", null, "-HostName")], ProbeImage = "registry.test/slow-busybox:1" }, cancel.Token);
        await probeSeen.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test);
        await watching.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        // The delete was sent before the call returned; the cluster then removes the Job's pod.
        Assert.All(await cluster.ProbeJobsAsync(ns), j => Assert.NotNull(j.Metadata.DeletionTimestamp));
        await EventuallyAsync(async () => (await cluster.ProbeJobsAsync(ns)).Count == 0 && (await cluster.ProbePodsAsync(ns)).Count == 0);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true within 15 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Exec_into_an_existing_pod_reports_what_the_api_allows_and_falls_back()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.ServiceAsync(ns, "api", 80, ready: 1);
        var job = cluster.Scaffold("exec-target", ns, "registry.test/e2e/exec-target:1");
        cluster.Emulator.AddScenario(new ContainerScenario { Image = "registry.test/e2e/exec-target:1", DurationMs = 30_000 });
        var started = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        var pod = await RunningPodAsync(ns, started.JobName);

        var missing = await cluster.Engine.Diagnostics.TestDnsAsync(
            new DnsRequest { Target = cluster.Target(ns), Hosts = [new DnsHost("api", null, "-HostName")], Pod = "no-such-pod" }, CancellationToken.None);
        var exec = await cluster.Engine.Diagnostics.TestDnsAsync(
            new DnsRequest { Target = cluster.Target(ns), Hosts = [new DnsHost("api", null, "-HostName")], Pod = pod }, CancellationToken.None);

        Assert.Equal("PodNotFound", Assert.Single(missing.Errors).ErrorId);
        // The emulator serves no pods/exec: the exec path can only be seen failing cleanly here.
        var error = Assert.Single(exec.Errors);
        Assert.Equal("DnsExecFailed", error.ErrorId);
        Assert.Contains(pod, error.Message, StringComparison.Ordinal);
        var result = Assert.Single(exec.Results);
        Assert.True(result.ServiceFound);
        Assert.Null(result.Resolved);
        Assert.Empty(await cluster.ProbeJobsAsync(ns));
    }

    private async Task<string> RunningPodAsync(string ns, string jobName)
    {
        using var found = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string? name = null;
        try
        {
            await E2ePs.Engine.Waiting.WatchLoop.PodsAsync(cluster.Observer, ns, $"batch.kubernetes.io/job-name={jobName}", null, (_, pod) =>
            {
                if (pod.Status?.Phase == "Running")
                {
                    name = pod.Metadata.Name;
                    found.Cancel();
                }
            }, null, found.Token);
        }
        catch (OperationCanceledException) when (name is not null)
        {
        }

        return name ?? throw new TimeoutException("the pod did not run");
    }

    [Fact]
    public void The_probe_pod_meets_the_restricted_profile()
    {
        var job = DnsProbeJob.Create("e2eps-dns-probe-abc123", "ns", "run", DnsRequest.DefaultProbeImage, DnsScript.Build(["api.ns.svc.cluster.local"]), TimeSpan.FromSeconds(90));

        Assert.Empty(RestrictedProfile.Check(job.Spec.Template.Spec));
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.NotNull(job.Spec.TtlSecondsAfterFinished);
        Assert.False(job.Spec.Template.Spec.AutomountServiceAccountToken);
        Assert.Equal("run", job.Metadata.Labels[JobLabels.RunId]);
    }
}
