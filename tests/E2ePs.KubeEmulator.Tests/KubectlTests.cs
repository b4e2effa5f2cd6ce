using System.Text.Json;
using k8s;
using E2ePs.TestSupport;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>The real kubectl, default flags, against the emulator.</summary>
[Collection("emulator")]
public sealed class KubectlTests(EmulatorFixture fx)
{
    private static string WriteManifest(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"emulator-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [RequiresToolsFact("kubectl")]
    public async Task CreateWaitLogsDescribeGetAndDelete()
    {
        var ns = await fx.NewNamespaceAsync("kubectl-create");
        var file = WriteManifest(Manifests.RestrictedJobYaml("smoke", "echo test 1 passed; sleep 1; echo test 2 passed"));

        var create = await fx.KubectlAsync("create", "-n", ns, "-f", file);
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("job.batch/smoke created", create.Stdout, StringComparison.Ordinal);
        Assert.Contains("serviceaccount/smoke-runner created", create.Stdout, StringComparison.Ordinal);

        var wait = await fx.KubectlAsync("wait", "-n", ns, "--for=condition=complete", "job/smoke", "--timeout=30s");
        Assert.True(wait.ExitCode == 0, wait.Stderr);
        Assert.Contains("condition met", wait.Stdout, StringComparison.Ordinal);

        // Human output comes from server-side printing (Table), column for column.
        var table = await fx.KubectlAsync("get", "-n", ns, "jobs");
        Assert.Matches(@"NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nsmoke\s+Complete\s+1/1\s+", table.Stdout);
        var podTable = await fx.KubectlAsync("get", "-n", ns, "pods");
        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nsmoke-\w{5}\s+0/1\s+Completed\s+0\s+", podTable.Stdout);

        var logs = await fx.KubectlAsync("logs", "-n", ns, "job/smoke", "-c", "test");
        Assert.Equal("test 1 passed\ntest 2 passed\n", logs.Stdout);
        var initLogs = await fx.KubectlAsync("logs", "-n", ns, "job/smoke", "-c", "prepare");
        Assert.Equal("preparing workspace\n", initLogs.Stdout);

        var get = await fx.KubectlAsync("get", "-n", ns, "jobs,pods", "-o", "json");
        Assert.True(get.ExitCode == 0, get.Stderr);
        using var doc = JsonDocument.Parse(get.Stdout);
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        var job = items.Single(i => i.GetProperty("kind").GetString() == "Job");
        var pod = items.Single(i => i.GetProperty("kind").GetString() == "Pod");
        Assert.Equal(1, job.GetProperty("status").GetProperty("succeeded").GetInt32());
        Assert.Contains(job.GetProperty("status").GetProperty("conditions").EnumerateArray(), c => c.GetProperty("type").GetString() == "Complete");
        Assert.Equal("Succeeded", pod.GetProperty("status").GetProperty("phase").GetString());
        Assert.StartsWith("smoke-", pod.GetProperty("metadata").GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal("smoke", pod.GetProperty("metadata").GetProperty("labels").GetProperty("batch.kubernetes.io/job-name").GetString());
        var init = pod.GetProperty("status").GetProperty("initContainerStatuses")[0];
        Assert.Equal("Completed", init.GetProperty("state").GetProperty("terminated").GetProperty("reason").GetString());

        var describe = await fx.KubectlAsync("describe", "pod", "-n", ns, pod.GetProperty("metadata").GetProperty("name").GetString()!);
        Assert.True(describe.ExitCode == 0, describe.Stderr);
        Assert.Contains("Status:           Succeeded", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("Successfully assigned", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("Started container test", describe.Stdout, StringComparison.Ordinal);

        var delete = await fx.KubectlAsync("delete", "-n", ns, "job/smoke", "--wait");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        await Eventually.WaitAsync(() => fx.Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Count == 0, "pods garbage-collected");
        File.Delete(file);
    }

    [RequiresToolsFact("kubectl")]
    public async Task ServerSideApplyIsIdempotentAndFailedJobCanBeAwaited()
    {
        var ns = await fx.NewNamespaceAsync("kubectl-apply");
        var file = WriteManifest(Manifests.RestrictedJobYaml("ssa", "echo about to fail; sleep 1; exit 3"));

        var apply = await fx.KubectlAsync("apply", "--server-side", "-n", ns, "-f", file);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("job.batch/ssa serverside-applied", apply.Stdout, StringComparison.Ordinal);
        var rv1 = (await fx.Client.BatchV1.ReadNamespacedJobAsync("ssa", ns)).Metadata.ResourceVersion;

        // As against a real cluster, logs of a container that has not started yet are a 400: wait for it to start.
        await Eventually.WaitAsync(
            () => fx.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=ssa"),
            l => l.Items.Any(p => p.Status?.ContainerStatuses?.Any(c => c.State.Running is not null || c.State.Terminated is not null) == true),
            "test container started");
        var follow = await fx.KubectlAsync("logs", "-f", "-n", ns, "job/ssa", "-c", "test", "--pod-running-timeout=20s");
        Assert.True(follow.ExitCode == 0, follow.Stderr);
        Assert.Equal("about to fail\n", follow.Stdout);

        var wait = await fx.KubectlAsync("wait", "-n", ns, "--for=condition=failed", "job/ssa", "--timeout=30s");
        Assert.True(wait.ExitCode == 0, wait.Stderr);

        var job = await fx.Client.BatchV1.ReadNamespacedJobAsync("ssa", ns);
        var failed = job.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal("BackoffLimitExceeded", failed.Reason);
        Assert.Equal("Job has reached the specified backoff limit", failed.Message);
        Assert.Contains(job.Metadata.ManagedFields, m => m.Manager == "kubectl" && m.Operation == "Apply");

        // A second apply of the same manifest changes nothing, so the resourceVersion stays.
        var rvBefore = job.Metadata.ResourceVersion;
        var again = await fx.KubectlAsync("apply", "--server-side", "-n", ns, "-f", file);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(rvBefore, (await fx.Client.BatchV1.ReadNamespacedJobAsync("ssa", ns)).Metadata.ResourceVersion);
        Assert.NotNull(rv1);
        File.Delete(file);
    }

    [RequiresToolsFact("kubectl")]
    public async Task TypedCreateCommandsSendProtobufAndWork()
    {
        var ns = $"kubectl-typed-{Guid.NewGuid():N}"[..20];
        Assert.Equal(0, (await fx.KubectlAsync("create", "namespace", ns)).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "-n", ns, "configmap", "settings", "--from-literal=mode=fast")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "-n", ns, "secret", "generic", "creds", "--from-literal=password=s3cret")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "-n", ns, "serviceaccount", "runner")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "-n", ns, "role", "reader", "--verb=get,list", "--resource=pods,jobs.batch")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "-n", ns, "rolebinding", "reader", "--role=reader", "--serviceaccount=" + ns + ":runner")).ExitCode);
        var service = await fx.KubectlAsync("create", "-n", ns, "service", "clusterip", "web", "--tcp=80:8080");
        Assert.True(service.ExitCode == 0, service.Stderr);

        var cm = await fx.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns);
        Assert.Equal("fast", cm.Data["mode"]);
        var secret = await fx.Client.CoreV1.ReadNamespacedSecretAsync("creds", ns);
        Assert.Equal("s3cret", System.Text.Encoding.UTF8.GetString(secret.Data["password"]));
        var web = await fx.Client.CoreV1.ReadNamespacedServiceAsync("web", ns);
        Assert.Equal("ClusterIP", web.Spec.Type);
        Assert.Equal("web", web.Spec.Selector["app"]);
        var port = Assert.Single(web.Spec.Ports);
        Assert.Equal((80, "8080", "TCP", null), (port.Port, port.TargetPort.Value, port.Protocol, port.NodePort));
        Assert.StartsWith("10.", web.Spec.ClusterIP, StringComparison.Ordinal);
        var binding = await fx.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync("reader", ns);
        Assert.Equal(("ServiceAccount", "runner", ns), (binding.Subjects[0].Kind, binding.Subjects[0].Name, binding.Subjects[0].NamespaceProperty));

        var canI = await fx.KubectlAsync("auth", "can-i", "create", "jobs", "-n", ns);
        Assert.Equal("yes\n", canI.Stdout);
        var asRunner = await fx.KubectlAsync("auth", "can-i", "list", "jobs.batch", "-n", ns, "--as=system:serviceaccount:" + ns + ":runner");
        Assert.Equal((0, "yes\n"), (asRunner.ExitCode, asRunner.Stdout));
        var denied = await fx.KubectlAsync("auth", "can-i", "delete", "jobs.batch", "-n", ns, "--as=system:serviceaccount:" + ns + ":runner");
        Assert.Equal((1, "no\n"), (denied.ExitCode, denied.Stdout));

        var delete = await fx.KubectlAsync("delete", "namespace", ns);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        await Eventually.WaitAsync(async () => (await fx.KubectlAsync("get", "namespace", ns)).ExitCode, code => code != 0, "namespace gone");
    }

    [RequiresToolsFact("kubectl")]
    public async Task ForbiddenCreateReadsLikeRbac()
    {
        var ns = await fx.NewNamespaceAsync("kubectl-rbac");
        var token = fx.Server.AddToken("carol");
        var kubeconfig = File.ReadAllText(fx.Server.KubeconfigPath).Replace(fx.Server.Token, token, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"emulator-carol-{Guid.NewGuid():N}.kubeconfig");
        File.WriteAllText(path, kubeconfig);
        var file = WriteManifest(Manifests.RestrictedJobYaml("denied", "echo hi"));
        RequiredTools.Ensure("kubectl");
        var psi = new System.Diagnostics.ProcessStartInfo("kubectl", ["create", "-n", ns, "-f", file, "--kubeconfig", path]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains($"serviceaccounts is forbidden: User \"carol\" cannot create resource \"serviceaccounts\" in API group \"\" in the namespace \"{ns}\"", stderr, StringComparison.Ordinal);
        Assert.Contains($"jobs.batch is forbidden: User \"carol\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"{ns}\"", stderr, StringComparison.Ordinal);
        File.Delete(path);
        File.Delete(file);
    }
}
