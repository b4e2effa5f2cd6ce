using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Results;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Runs in namespaces whose admission refuses pods (docs/architecture.md, "Refused pods"): the emulator enforces Pod Security
/// from the namespace's labels and ResourceQuota as the API server does, and Start-E2eJob and Wait-E2eJob say what happened.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdmissionTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    private async Task<string> RestrictedNamespaceAsync()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.Observer.CoreV1.PatchNamespaceAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "restricted" } } }, V1Patch.PatchType.MergePatch), ns);
        return ns;
    }

    private async Task<(E2eRun Run, List<string> Warnings)> StartAsync(string name, string ns, Func<string, string>? edit = null, IE2eEngine? engine = null)
    {
        var image = $"registry.test/e2e/{name}:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["1 passed"] });
        var job = cluster.Scaffold(name, ns, image);
        if (edit is not null)
        {
            File.WriteAllText(job.ManifestPath, edit(File.ReadAllText(job.ManifestPath)));
        }

        var warnings = new List<string>();
        using var limit = new CancellationTokenSource(s_limit);
        var run = await (engine ?? cluster.Engine).Cluster.StartAsync(
            new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job, Warning = w => { lock (warnings) { warnings.Add(w); } } }, limit.Token);
        return (run, warnings);
    }

    [Fact]
    public async Task A_generated_job_runs_in_a_namespace_that_enforces_restricted_without_a_warning()
    {
        var ns = await RestrictedNamespaceAsync();

        var (run, warnings) = await StartAsync("psa-ok", ns);
        var finished = Assert.Single(await cluster.WaitAllAsync([run]));

        Assert.Empty(warnings);
        Assert.Equal(E2eRunStatus.Succeeded, finished.Status);
    }

    [Fact]
    public async Task A_manifest_edited_to_break_restricted_is_warned_about_at_start_and_fails_fast_with_the_admissions_message()
    {
        var ns = await RestrictedNamespaceAsync();
        const string expected = "PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (containers \"clone-repo\", \"test-runner\" must set securityContext.allowPrivilegeEscalation=false)";

        var (run, warnings) = await StartAsync("psa-broken", ns, yaml => yaml.Replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", StringComparison.Ordinal));

        // The dry run and the create carry the same warning: it is shown once, naming the job.
        var warning = Assert.Single(warnings);
        Assert.True(warning.StartsWith($"psa-broken (namespace {ns}): the API server warns: would violate {expected}", StringComparison.Ordinal), warning);

        var finished = Assert.Single(await cluster.WaitAllAsync([run]));
        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Equal("PodSecurityForbidden", finished.Reason);
        Assert.Contains($"is forbidden: violates {expected}", finished.Message, StringComparison.Ordinal);
        Assert.Empty(finished.PodNames);
        Assert.Equal(E2eFailureKind.Configuration, FailureClassifier.Classify(finished, null, null));
    }

    [Fact]
    public async Task A_full_quota_fails_the_run_once_the_bounded_wait_is_over_on_the_waiters_clock()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.Observer.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "no-room" },
            Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new("0") } },
        }, ns);
        // The waiter's clock is an hour ahead of the emulator's: the first refusal it sees is already past the wait.
        var clock = new FakeClock(DateTimeOffset.UtcNow.AddHours(1));
        var engine = new EngineEntry(new ClusterConnectionFactory(clock), clock);

        var (run, _) = await StartAsync("quota-full", ns, engine: engine);
        using var limit = new CancellationTokenSource(s_limit);
        E2eRun? finished = null;
        await foreach (var update in engine.Cluster.WaitAsync([run], new WaitOptions(), limit.Token))
        {
            finished = update.Finished ?? finished;
        }

        Assert.NotNull(finished);
        Assert.Equal(E2eRunStatus.Failed, finished.Status);
        Assert.Equal("QuotaExceeded", finished.Reason);
        Assert.Contains("exceeded quota: no-room, requested: pods=1, used: pods=0, limited: pods=0", finished.Message, StringComparison.Ordinal);
        Assert.Equal(E2eFailureKind.Infrastructure, FailureClassifier.Classify(finished, null, null));
    }
}
