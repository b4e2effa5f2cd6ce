using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Results.Tests;

/// <summary>
/// Invoke-E2eTest's engine under the emulator's graceful termination and eviction (kubernetes/kubernetes
/// pkg/registry/core/pod/storage/eviction.go, pkg/controller/job/job_controller.go): an evicted pod is replaced by the
/// Job when the manifest's podFailurePolicy ignores DisruptionTarget, and retried as an infrastructure failure when
/// it does not; a run stopped at its deadline keeps its exit code and the report it wrote before the kill, although
/// its pod is gone when the Job says Failed.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class DisruptionTests(EmulatorFixture cluster)
{
    private static InvokeOptions Options(int retries = 0) => new() { RetryCount = retries, RetryDelay = TimeSpan.FromMilliseconds(300), Timeout = TimeSpan.FromSeconds(40) };

    /// <summary>A runner that has started and runs until it is stopped; SIGTERM ends it with 143.</summary>
    private static ContainerScenario Endless() => new() { Lines = ["[e2eps] Running pytest"], DurationMs = 600_000 };

    [Fact]
    public async Task An_eviction_under_the_generated_podFailurePolicy_is_replaced_by_the_Job_and_the_run_passes_without_a_retry()
    {
        var job = await cluster.JobAsync("evict-ignored", Endless());
        Assert.Contains("podFailurePolicy:", await File.ReadAllTextAsync(job.ManifestPath), StringComparison.Ordinal);

        var updates = await InvokeEvictingTheFirstPodAsync(job, Options(retries: 1));

        Assert.Empty(updates.OfType<InvokeUpdate.Retrying>());
        var run = Assert.Single(updates.OfType<InvokeUpdate.Finished>()).Run;
        Assert.Equal((E2eRunStatus.Succeeded, 1, 2), (run.Status, run.Attempt, run.PodNames.Count));
        Assert.Equal(3, run.TestResult!.Passed);
    }

    [Fact]
    public async Task An_eviction_without_the_policy_fails_the_Job_as_Evicted_infrastructure_and_the_retry_passes()
    {
        var job = await cluster.JobAsync("evict-retried", Endless());
        // A manifest written before the policy, or by hand: the Job's only pod is evicted, so backoffLimit 0 fails it.
        var manifest = await File.ReadAllTextAsync(job.ManifestPath);
        await File.WriteAllTextAsync(job.ManifestPath, Regex.Replace(manifest, @"(?m)^  podFailurePolicy:\n(^    .*\n|^  [ -].*\n)*", ""));
        Assert.DoesNotContain("podFailurePolicy", await File.ReadAllTextAsync(job.ManifestPath), StringComparison.Ordinal);

        var updates = await InvokeEvictingTheFirstPodAsync(job, Options(retries: 1));

        var retry = Assert.Single(updates.OfType<InvokeUpdate.Retrying>()).Run;
        Assert.Equal((E2eRunStatus.Failed, "Evicted", E2eFailureKind.Infrastructure), (retry.Status, retry.Reason, retry.FailureKind));
        Assert.Contains("EvictionByEvictionAPI: Eviction API: evicting", retry.Message, StringComparison.Ordinal);
        Assert.Equal(143, retry.ExitCode);
        var run = Assert.Single(updates.OfType<InvokeUpdate.Finished>()).Run;
        Assert.Equal((E2eRunStatus.Succeeded, 2), (run.Status, run.Attempt));
    }

    [Fact]
    public async Task A_run_stopped_at_its_deadline_reports_its_exit_code_and_the_results_it_wrote_before_the_kill()
    {
        // The report is written, then the runner hangs until the deadline's SIGTERM.
        var job = await cluster.JobAsync("deadline", new ContainerScenario { Lines = JUnitReports.PytestLog(JUnitReports.Pytest), DurationMs = 600_000 });
        var manifest = await File.ReadAllTextAsync(job.ManifestPath);
        await File.WriteAllTextAsync(job.ManifestPath, manifest.Replace("activeDeadlineSeconds: 3600", "activeDeadlineSeconds: 2", StringComparison.Ordinal));

        var updates = await cluster.InvokeAsync([cluster.Request(job)], Options());

        var run = Assert.Single(updates.OfType<InvokeUpdate.Finished>()).Run;
        Assert.Equal((E2eRunStatus.Failed, "DeadlineExceeded", 143, E2eFailureKind.TestFailure), (run.Status, run.Reason, run.ExitCode, run.FailureKind));
        Assert.Equal((2, 2, 1), (run.TestResult!.Passed, run.TestResult.Failed, run.TestResult.Skipped));
        Assert.DoesNotContain(updates, u => u is InvokeUpdate.Warning or InvokeUpdate.ReportError);
        // The pod was counted and lost its job-tracking finalizer: it is gone, with its log.
        Assert.Empty((await cluster.Observer.CoreV1.ListNamespacedPodAsync(job.Namespace, labelSelector: $"batch.kubernetes.io/job-name={run.JobName}")).Items);
    }

    /// <summary>Runs Invoke; once the first attempt's pod runs, the test container's scenario passes and that pod is evicted.</summary>
    private async Task<List<InvokeUpdate>> InvokeEvictingTheFirstPodAsync(E2eJob job, InvokeOptions options)
    {
        var invoke = cluster.InvokeAsync([cluster.Request(job)], options);
        var pod = await RunningPodAsync(job.Namespace);
        cluster.Emulator.ClearScenarios();
        cluster.Emulator.AddScenario(EmulatorFixture.CloneSucceeds());
        cluster.Emulator.AddScenario(new ContainerScenario { Image = job.Image, ContainerName = "test-runner", Lines = JUnitReports.Block(JUnitReports.AllPassed) });
        await cluster.Observer.CoreV1.CreateNamespacedPodEvictionAsync(
            new V1Eviction { Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = job.Namespace } }, pod.Metadata.Name, job.Namespace);
        return await invoke;
    }

    private async Task<V1Pod> RunningPodAsync(string ns)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var running = (await cluster.Observer.CoreV1.ListNamespacedPodAsync(ns)).Items.FirstOrDefault(p => p.Status?.Phase == "Running");
            if (running is not null)
            {
                return running;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"no pod ran in {ns}");
    }
}
