using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Diagnostics.Tests;

/// <summary>Get-E2eDiagnostic's engine against the emulator: each way a job goes wrong, and its summary.</summary>
[Collection(DiagnosticsCollection.Name)]
public sealed class DiagnosticTests(DiagnosticsFixture cluster)
{
    private async Task<(E2eJob Job, E2eRun Run)> RunAsync(string name, ContainerScenario test, Func<string, string>? editManifest = null)
    {
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}:1";
        test.Image = image;
        test.ContainerName ??= "test-runner";
        cluster.Emulator.AddScenario(test);
        var job = cluster.Scaffold(name, ns, image);
        if (editManifest is not null)
        {
            File.WriteAllText(job.ManifestPath, editManifest(File.ReadAllText(job.ManifestPath)));
        }

        return (job, await cluster.RunAsync(job));
    }

    private Task<E2eDiagnostic> DiagnoseAsync(E2eRun run, string? kubeconfig = null) =>
        cluster.Engine.Diagnostics.DiagnoseAsync(new DiagnosticRequest { Target = cluster.Target(run.Namespace, kubeconfig), JobName = run.JobName, Uid = run.Uid }, CancellationToken.None);

    [Fact]
    public async Task A_healthy_job_has_no_problem_and_every_check_passes()
    {
        var (job, run) = await RunAsync("healthy", new ContainerScenario { Lines = ["1 passed"] });

        var diagnostic = await DiagnoseAsync(run);

        Assert.Equal($"No problem found: Job {run.JobName} is Succeeded.", diagnostic.Summary);
        Assert.Equal("Succeeded", diagnostic.Status);
        Assert.All(diagnostic.Findings, f => Assert.True(f.Severity <= E2eDiagnosticSeverity.Information, f.ToString()));
        Assert.Contains(diagnostic.Findings, f => f.Check == "Rbac" && f.Severity == E2eDiagnosticSeverity.Ok);
        Assert.Contains(diagnostic.Findings, f => f.Check == "ServiceAccount" && f.Severity == E2eDiagnosticSeverity.Ok);
        // The run's Job has a name of its own; it runs under its definition's ServiceAccount.
        Assert.Equal(job.JobName, diagnostic.ServiceAccountName);
        Assert.Equal(["clone-repo", "test-runner"], diagnostic.Containers.Select(c => c.Name));
        Assert.Equal(["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4"], diagnostic.Containers[0].LogTail);
        Assert.Equal(["1 passed"], diagnostic.Containers[1].LogTail);
        Assert.Contains(diagnostic.Events, e => e.Reason == "SuccessfulCreate" && e.InvolvedObject == $"Job/{run.JobName}");
    }

    [Fact]
    public async Task An_image_pull_failure_names_the_image_the_registry_and_the_cause()
    {
        var (_, run) = await RunAsync("nopull", new ContainerScenario { ImageMissing = true });

        var diagnostic = await DiagnoseAsync(run);

        var first = diagnostic.Findings[0];
        Assert.Equal(E2eDiagnosticSeverity.Error, first.Severity);
        Assert.Equal("Image", first.Check);
        Assert.Equal(first.Message, diagnostic.Summary);
        Assert.StartsWith("Container test-runner cannot pull image registry.test/e2e/nopull:1 from registry registry.test", diagnostic.Summary, StringComparison.Ordinal);
        Assert.Contains("does not exist in registry.test: build and push it (Build-E2eImage -Push)", diagnostic.Summary, StringComparison.Ordinal);
        Assert.Contains("not found", diagnostic.Summary, StringComparison.Ordinal);
        var test = diagnostic.Containers.Single(c => c.Name == "test-runner");
        Assert.Equal("Waiting", test.State);
        Assert.Contains(test.Reason, new[] { "ErrImagePull", "ImagePullBackOff" });
        var reasons = diagnostic.Events.Select(e => e.Reason).ToList();
        Assert.True(reasons.IndexOf("Pulling") < reasons.IndexOf("Failed"), string.Join(", ", reasons));
        Assert.True(reasons.IndexOf("SuccessfulCreate") < reasons.IndexOf("Pulling"), string.Join(", ", reasons));
    }

    [Fact]
    public async Task A_failed_init_container_is_summarised_with_its_exit_code_and_log_tail()
    {
        cluster.Emulator.AddScenario(new ContainerScenario
        {
            Image = "registry.test/git-broken:1",
            ContainerName = "clone-repo",
            Lines = ["Cloning branch gone of https://github.com/example/shop.git", "fatal: Remote branch gone not found in upstream origin"],
            ExitCode = 128,
        });
        var (_, run) = await RunAsync("noclone", new ContainerScenario(), m => m.Replace("docker.io/alpine/git:v2.47.2", "registry.test/git-broken:1", StringComparison.Ordinal));

        var diagnostic = await DiagnoseAsync(run);

        Assert.Equal("InitContainer", diagnostic.Findings[0].Check);
        Assert.StartsWith($"Init container clone-repo of pod {diagnostic.PodName} exited with code 128", diagnostic.Summary, StringComparison.Ordinal);
        Assert.Contains("check that the branch was pushed", diagnostic.Summary, StringComparison.Ordinal);
        Assert.Contains("fatal: Remote branch gone not found in upstream origin", diagnostic.Summary, StringComparison.Ordinal);
        var clone = diagnostic.Containers[0];
        Assert.True(clone.InitContainer);
        Assert.Equal(128, clone.ExitCode);
        Assert.Equal("fatal: Remote branch gone not found in upstream origin", clone.LogTail[^1]);
        Assert.Equal("Failed", diagnostic.Status);
    }

    [Fact]
    public async Task A_pod_under_the_wrong_service_account_is_the_first_thing_to_fix()
    {
        var (job, run) = await RunAsync("wrongsa", new ContainerScenario { Lines = ["E   kubernetes.client.exceptions.ApiException: (403) Forbidden"], ExitCode = 1 },
            m => m.Replace("serviceAccountName: test-wrongsa-e2e", "serviceAccountName: default", StringComparison.Ordinal));

        var diagnostic = await DiagnoseAsync(run);

        Assert.Equal("default", diagnostic.ServiceAccountName);
        Assert.Equal(job.JobName, diagnostic.ExpectedServiceAccountName);
        Assert.Equal("ServiceAccount", diagnostic.Findings[0].Check);
        Assert.StartsWith($"Pod {diagnostic.PodName} runs under ServiceAccount 'default', not '{job.JobName}'", diagnostic.Summary, StringComparison.Ordinal);
        // The failed test is reported too, after the cause.
        Assert.Contains(diagnostic.Findings, f => f.Check == "TestContainer" && f.Severity == E2eDiagnosticSeverity.Error);
    }

    [Fact]
    public async Task A_missing_role_binding_is_named_with_the_command_that_creates_it()
    {
        var (job, run) = await RunAsync("nobinding", new ContainerScenario { Lines = ["ok"] });
        await cluster.Observer.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(job.JobName, run.Namespace);

        var diagnostic = await DiagnoseAsync(run);

        Assert.Equal("Rbac", diagnostic.Findings[0].Check);
        Assert.Equal(E2eDiagnosticSeverity.Error, diagnostic.Findings[0].Severity);
        Assert.StartsWith($"No RoleBinding in namespace {run.Namespace} binds ServiceAccount {job.JobName}: RoleBinding {job.JobName} is missing", diagnostic.Summary, StringComparison.Ordinal);
        Assert.Contains($"kubectl create rolebinding {job.JobName} --role {job.JobName}", diagnostic.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_that_lacks_a_needed_rule_is_reported_with_what_is_missing()
    {
        var (job, run) = await RunAsync("narrowrole", new ContainerScenario { Lines = ["ok"] });
        var role = await cluster.Observer.RbacAuthorizationV1.ReadNamespacedRoleAsync(job.JobName, run.Namespace);
        role.Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["get", "list", "watch"] }];
        await cluster.Observer.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(role, job.JobName, run.Namespace);

        var diagnostic = await cluster.Engine.Diagnostics.DiagnoseAsync(
            new DiagnosticRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, ManifestPath = job.ManifestPath }, CancellationToken.None);

        Assert.Equal("Rbac", diagnostic.Findings[0].Check);
        Assert.StartsWith($"ServiceAccount {job.JobName} is not granted get pods/log, list pods/log, watch pods/log in namespace {run.Namespace}", diagnostic.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_test_points_to_its_log()
    {
        var (_, run) = await RunAsync("redtest", new ContainerScenario { Lines = ["test_health FAILED"], ExitCode = 1 });

        var diagnostic = await DiagnoseAsync(run);

        Assert.Equal($"Container test-runner exited with code 1 (Error): the test itself failed. Read its log: Get-E2eLog -Name redtest -Namespace {run.Namespace}.", diagnostic.Summary);
        Assert.Equal(["test_health FAILED"], diagnostic.Containers[1].LogTail);
    }

    [Fact]
    public async Task A_caller_who_may_not_read_events_or_logs_is_told_what_was_skipped()
    {
        var (_, run) = await RunAsync("limited", new ContainerScenario { Lines = ["ok"] });
        await cluster.GrantAsync(run.Namespace, "viewer",
            new V1PolicyRule { ApiGroups = ["batch"], Resources = ["jobs"], Verbs = ["get"] },
            new V1PolicyRule { ApiGroups = [""], Resources = ["pods", "serviceaccounts"], Verbs = ["get", "list"] },
            new V1PolicyRule { ApiGroups = ["rbac.authorization.k8s.io"], Resources = ["rolebindings", "roles"], Verbs = ["get", "list"] });

        var diagnostic = await DiagnoseAsync(run, cluster.RestrictedKubeconfig("viewer"));

        Assert.Empty(diagnostic.Events);
        Assert.All(diagnostic.Containers, c => Assert.Empty(c.LogTail));
        var skipped = diagnostic.Findings.Where(f => f.Check == "Access").Select(f => f.Message).ToList();
        Assert.Contains(skipped, m => m.Contains("may not list events", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("may not read pods/log", StringComparison.Ordinal));
        Assert.StartsWith("You may not", diagnostic.Summary, StringComparison.Ordinal);
        Assert.Contains(diagnostic.Findings, f => f.Check == "Rbac" && f.Severity == E2eDiagnosticSeverity.Ok);
    }

    [Fact]
    public async Task An_unknown_job_or_namespace_is_a_clear_error()
    {
        var ns = await cluster.NewNamespaceAsync();

        var noJob = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Diagnostics.DiagnoseAsync(
            new DiagnosticRequest { Target = cluster.Target(ns), JobName = "test-ghost-e2e" }, CancellationToken.None));
        var noNamespace = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Diagnostics.DiagnoseAsync(
            new DiagnosticRequest { Target = cluster.Target("nowhere"), JobName = "test-ghost-e2e" }, CancellationToken.None));

        Assert.Equal("JobNotFound", noJob.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, noJob.Category);
        Assert.Equal("test-ghost-e2e", noJob.Target);
        Assert.Equal("NamespaceNotFound", noNamespace.ErrorId);
        Assert.Equal("nowhere", noNamespace.Target);
    }
}
