using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using E2ePs.TestSupport;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// Pod Security admission and ResourceQuota as a real API server applies them (docs/emulator.md, "Admission"), seen through the
/// real kubectl and raw HTTP: pods are refused with upstream's message, Jobs only warned about, and the job controller's
/// refused pod creates become FailedCreate events with no condition.
/// </summary>
[Collection("emulator")]
public sealed class AdmissionTests(EmulatorFixture fx)
{
    // The four restricted checks a pod without any securityContext fails, in registry.go's order, with check_*.go's words.
    private const string UnsetRestricted =
        "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), " +
        "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), " +
        "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), " +
        "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";

    private static string Write(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"admission-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string PlainPod(string name, string extraSpec = "", string container = "", string script = "echo hi") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          restartPolicy: Never{{extraSpec}}
          containers:
          - name: app
            image: registry.test/plain:1
            command: ["sh", "-c", "{{script}}"]{{container}}
        """;

    private static string PlainJob(string name) => $$"""
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{name}}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: app
                image: registry.test/plain:1
                command: ["sh", "-c", "echo hi"]
        """;

    private async Task LabelAsync(string ns, params string[] labels)
    {
        var label = await fx.KubectlAsync(["label", "namespace", ns, .. labels]);
        Assert.True(label.ExitCode == 0, label.Stderr);
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_pod_that_breaks_the_enforced_level_is_refused_with_upstreams_message_and_a_restricted_job_runs()
    {
        var ns = await fx.NewNamespaceAsync("psa-enforce");
        await LabelAsync(ns, "pod-security.kubernetes.io/enforce=restricted");

        var refused = await fx.KubectlAsync("create", "-n", ns, "-f", Write(PlainPod("plain")));

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"pods \"plain\" is forbidden: violates PodSecurity \"restricted:latest\": {UnsetRestricted}", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty((await fx.Client.CoreV1.ListNamespacedPodAsync(ns)).Items);

        // A job written to the restricted profile passes and runs to completion.
        var create = await fx.KubectlAsync("create", "-n", ns, "-f", Write(Manifests.RestrictedJobYaml("compliant", "echo ok")));
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.DoesNotContain("Warning", create.Stderr, StringComparison.Ordinal);
        var wait = await fx.KubectlAsync("wait", "-n", ns, "--for=condition=complete", "job/compliant", "--timeout=60s");
        Assert.True(wait.ExitCode == 0, wait.Stderr);
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_job_is_created_with_a_warning_and_its_pod_creates_become_FailedCreate_events_with_no_condition()
    {
        var ns = await fx.NewNamespaceAsync("psa-job");
        await LabelAsync(ns, "pod-security.kubernetes.io/enforce=restricted");

        var create = await fx.KubectlAsync("create", "-n", ns, "-f", Write(PlainJob("bad")));

        // Only enforce is set: since 1.26 warn defaults to it, so kubectl prints the warning for the pod template.
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("job.batch/bad created", create.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Warning: would violate PodSecurity \"restricted:latest\": {UnsetRestricted}", create.Stderr, StringComparison.Ordinal);

        // The job controller tries, is refused, records it and tries again after its back-off: each try names a new pod, so
        // each is an event of its own.
        var failed = await Eventually.WaitAsync(
            async () => (await fx.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.Reason == "FailedCreate").ToList(),
            events => events.Count >= 2, "two refused pod creates");
        var ev = failed[0];
        Assert.NotEqual(ev.Message, failed[1].Message);
        Assert.Equal("Warning", ev.Type);
        Assert.Equal("Job", ev.InvolvedObject.Kind);
        Assert.Equal("job-controller", ev.Source.Component);
        Assert.Matches($"^Error creating: pods \"bad-[a-z0-9]{{5}}\" is forbidden: violates PodSecurity \"restricted:latest\": {System.Text.RegularExpressions.Regex.Escape(UnsetRestricted)}$", ev.Message);

        var job = await fx.Client.BatchV1.ReadNamespacedJobAsync("bad", ns);
        Assert.Empty(job.Status?.Conditions ?? []);
        Assert.Empty((await fx.Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }

    [Fact]
    public async Task Levels_and_versions_come_from_the_labels_warn_comes_back_as_a_Warning_header_and_audit_is_recorded()
    {
        var ns = await fx.NewNamespaceAsync("psa-levels");
        await fx.Client.CoreV1.PatchNamespaceAsync(new V1Patch(new
        {
            metadata = new
            {
                labels = new Dictionary<string, string>
                {
                    ["pod-security.kubernetes.io/enforce"] = "baseline",
                    ["pod-security.kubernetes.io/enforce-version"] = "v1.33",
                    ["pod-security.kubernetes.io/warn"] = "restricted",
                    ["pod-security.kubernetes.io/audit"] = "restricted",
                },
            },
        }, V1Patch.PatchType.MergePatch), ns);

        // Baseline refuses host namespaces and privileged containers.
        var hostile = await PostPodAsync(ns, """{"metadata":{"name":"hostile"},"spec":{"hostNetwork":true,"containers":[{"name":"app","image":"registry.test/plain:1","securityContext":{"privileged":true}}]}}""");
        Assert.Equal(HttpStatusCode.Forbidden, hostile.StatusCode);
        var status = JsonDocument.Parse(await hostile.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Forbidden", status.GetProperty("reason").GetString());
        Assert.Equal("pods \"hostile\" is forbidden: violates PodSecurity \"baseline:v1.33\": host namespaces (hostNetwork), privileged (container \"app\" must not set securityContext.privileged=true)",
            status.GetProperty("message").GetString());

        // A pod that passes baseline is created; warn=restricted says what restricted would refuse, as an RFC 7234 Warning header.
        var plain = await PostPodAsync(ns, """{"metadata":{"name":"plain"},"spec":{"containers":[{"name":"app","image":"registry.test/plain:1"}]}}""");
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        var warning = Assert.Single(plain.Headers.GetValues("Warning"));
        Assert.Equal("299 - \"would violate PodSecurity \\\"restricted:latest\\\": " + UnsetRestricted.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"", warning);

        var audit = JsonDocument.Parse(await fx.Http.GetStringAsync(new Uri("_emulator/audit", UriKind.Relative))).RootElement.EnumerateArray()
            .Where(a => a.GetProperty("namespace").GetString() == ns && a.GetProperty("name").GetString() == "plain").ToList();
        Assert.Equal($"would violate PodSecurity \"restricted:latest\": {UnsetRestricted}",
            Assert.Single(audit).GetProperty("annotations").GetProperty("pod-security.kubernetes.io/audit-violations").GetString());
    }

    [Fact]
    public async Task The_dry_run_runs_admission_too()
    {
        var ns = await fx.NewNamespaceAsync("psa-dry");
        await fx.Client.CoreV1.PatchNamespaceAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "restricted" } } }, V1Patch.PatchType.MergePatch), ns);

        var pod = await fx.Http.PostAsync(new Uri($"api/v1/namespaces/{ns}/pods?dryRun=All", UriKind.Relative),
            Eventually.Json("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"},"spec":{"containers":[{"name":"app","image":"registry.test/plain:1"}]}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, pod.StatusCode);
        Assert.StartsWith("pods \"dry\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false",
            JsonDocument.Parse(await pod.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        var job = await fx.Http.PostAsync(new Uri($"apis/batch/v1/namespaces/{ns}/jobs?dryRun=All", UriKind.Relative), Eventually.Json(JsonSerializer.Serialize(new
        {
            apiVersion = "batch/v1", kind = "Job", metadata = new { name = "dry" },
            spec = new { template = new { spec = new { restartPolicy = "Never", containers = new[] { new { name = "app", image = "registry.test/plain:1" } } } } },
        })));
        Assert.Equal(HttpStatusCode.Created, job.StatusCode);
        Assert.StartsWith("299 - \"would violate PodSecurity \\\"restricted:latest\\\": allowPrivilegeEscalation != false", Assert.Single(job.Headers.GetValues("Warning")), StringComparison.Ordinal);
        Assert.Empty((await fx.Client.BatchV1.ListNamespacedJobAsync(ns)).Items);
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_resource_quota_refuses_pods_without_requests_and_beyond_its_limits_and_the_job_controller_retries_until_it_frees()
    {
        var ns = await fx.NewNamespaceAsync("quota");
        var quota = await fx.KubectlAsync("apply", "-n", ns, "-f", Write("""
            apiVersion: v1
            kind: ResourceQuota
            metadata:
              name: compute
            spec:
              hard:
                pods: "1"
                requests.cpu: "1"
            """));
        Assert.True(quota.ExitCode == 0, quota.Stderr);

        var noRequest = await fx.KubectlAsync("create", "-n", ns, "-f", Write(PlainPod("no-request")));
        Assert.NotEqual(0, noRequest.ExitCode);
        Assert.Contains("pods \"no-request\" is forbidden: failed quota: compute: must specify requests.cpu", noRequest.Stderr, StringComparison.Ordinal);

        const string request = "\n    resources:\n      requests:\n        cpu: 500m";
        var first = await fx.KubectlAsync("create", "-n", ns, "-f", Write(PlainPod("first", "", request, "sleep 600")));
        Assert.True(first.ExitCode == 0, first.Stderr);

        // The quota controller keeps status.used.
        await Eventually.WaitAsync(async () => (await fx.Client.CoreV1.ReadNamespacedResourceQuotaAsync("compute", ns)).Status?.Used,
            used => used is not null && used["pods"].ToString() == "1" && used["requests.cpu"].ToString() == "500m", "quota usage");
        var table = await fx.KubectlAsync("get", "quota", "-n", ns);
        Assert.Contains("compute", table.Stdout, StringComparison.Ordinal);

        var second = await fx.KubectlAsync("create", "-n", ns, "-f", Write(PlainPod("second", "", request)));
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("pods \"second\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1", second.Stderr, StringComparison.Ordinal);

        // A Job's pod is refused the same way until the first pod is gone; then the controller's next try succeeds.
        var job = Manifests.Job("queued", "registry.test/plain:1", ["sh", "-c", "echo done"], resources: new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m") } });
        await fx.Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        var refused = await Eventually.WaitAsync(
            async () => (await fx.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.FirstOrDefault(e => e.Reason == "FailedCreate"),
            e => e is not null, "a refused pod create");
        Assert.Matches("^Error creating: pods \"queued-[a-z0-9]{5}\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1$", refused!.Message);

        await fx.Client.CoreV1.DeleteNamespacedPodAsync("first", ns, gracePeriodSeconds: 0);
        await Eventually.WaitAsync(() => fx.Client.BatchV1.ReadNamespacedJobAsync("queued", ns), j => j.Status?.Succeeded == 1, "the queued job to complete");
    }

    private Task<HttpResponseMessage> PostPodAsync(string ns, string json)
    {
        var pod = JsonSerializer.Deserialize<Dictionary<string, object>>(json)!;
        pod["apiVersion"] = "v1";
        pod["kind"] = "Pod";
        return fx.Http.PostAsync(new Uri($"api/v1/namespaces/{ns}/pods", UriKind.Relative), Eventually.Json(JsonSerializer.Serialize(pod)));
    }
}
