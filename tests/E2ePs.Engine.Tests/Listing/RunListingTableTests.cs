using E2ePs.Contracts;
using E2ePs.Engine.Listing;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Tests.Fixtures;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Tests.Listing;

/// <summary>
/// What Get-E2eRun makes of a listed Job and its pods (<see cref="RunMapper"/>) and which runs a query keeps
/// (<see cref="RunFilter"/>), over Jobs and pods shaped as a list returns them (Fixtures/listing.json, whose
/// header names the Kubernetes source of each shape): a run-named Job, one applied from the manifest with
/// kubectl, and one the previous release made.
/// </summary>
public sealed class RunListingTableTests
{
    private static readonly ClusterIdentity s_cluster = new("staging", "https://staging.example.com:6443", "default", "/home/me/.kube/config");
    private static readonly DateTimeOffset s_now = new(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);

    /// <summary>Job key → short name, Job name, run id, status, reason, exit code, pods, commit, branch.</summary>
    public static TheoryData<string, string, string, string, E2eRunStatus, string?, int?, int, string?, string?> Rows => new()
    {
        // Start-E2eJob's own Job: everything from its labels and annotations.
        { "run-named-complete", "shop", "test-shop-e2e-3f9a1c", "20261205-101500-3f9a1c", E2eRunStatus.Succeeded, null, 0, 1, "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "main" },
        // kubectl apply -f of the manifest: no run id (one from the UID), the branch from the clone's environment.
        { "kubectl-applied-running", "shop", "test-shop-e2e", "uid-5f0c1a528d5e", E2eRunStatus.Running, null, null, 1, null, "release" },
        // The previous release: fixed name with its run id; the verdict says how the test container failed.
        { "previous-release-failed", "shop", "test-shop-e2e", "20261205-090000-aa11bb", E2eRunStatus.Failed, "BackoffLimitExceeded", 1, 1, null, null },
        // A definition name cut in the Job's name: the label, never cut, names the definition.
        { "long-name-pending", "a-very-long-definition-name-that-fills-the-label-e2e", "test-a-very-long-definition-name-that-fills-the-label-e-4d5e6f", "20261205-104500-4d5e6f", E2eRunStatus.Pending, null, null, 0, null, null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Maps_a_listed_job_to_its_run(string key, string name, string jobName, string runId, E2eRunStatus status, string? reason, int? exitCode, int pods, string? commit, string? branch)
    {
        var run = RunMapper.Map(Recorded.ListedJob(key), PodsOf(key), s_cluster, s_now);

        Assert.Equal(name, run.Name);
        Assert.Equal(jobName, run.JobName);
        Assert.Equal(runId, run.RunId);
        Assert.Equal(status, run.Status);
        Assert.Equal(reason, run.Reason);
        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal(pods, run.PodNames.Count);
        Assert.Equal(commit, run.Commit);
        Assert.Equal(branch, run.Branch);
        Assert.Equal(("staging", "https://staging.example.com:6443", "/home/me/.kube/config"), (run.Context, run.Server, run.Kubeconfig));
        Assert.Equal(Recorded.ListedJob(key).Metadata.Uid, run.Uid);
    }

    [Fact]
    public void A_run_that_ended_has_its_times_and_failure_kind_as_a_wait_gives_them()
    {
        var done = RunMapper.Map(Recorded.ListedJob("run-named-complete"), PodsOf("run-named-complete"), s_cluster, s_now);
        var failed = RunMapper.Map(Recorded.ListedJob("previous-release-failed"), PodsOf("previous-release-failed"), s_cluster, s_now);
        var running = RunMapper.Map(Recorded.ListedJob("kubectl-applied-running"), PodsOf("kubectl-applied-running"), s_cluster, s_now);

        Assert.Equal(TimeSpan.FromSeconds(65), done.Duration);
        Assert.Equal("https://github.com/example/shop.git", done.Repository);
        Assert.StartsWith("registry.example.com/shop/test-shop-e2e@sha256:", done.Image, StringComparison.Ordinal);
        Assert.Equal(E2eFailureKind.None, done.FailureKind);
        Assert.Equal(E2eFailureKind.TestFailure, failed.FailureKind);
        Assert.Contains("exited with code 1", failed.Message, StringComparison.Ordinal);
        Assert.Null(running.CompletionTime);
        Assert.Equal("https://github.com/example/shop.git", running.Repository);
    }

    [Fact]
    public void A_job_without_a_run_id_keeps_the_same_id_in_every_listing()
    {
        var job = Recorded.ListedJob("kubectl-applied-running");

        Assert.Equal(RunMapper.RunIdOf(job.Metadata), RunMapper.RunIdOf(Recorded.ListedJob("kubectl-applied-running").Metadata));
        Assert.True(RunIds.IsFromUid(RunMapper.RunIdOf(job.Metadata)));
        Assert.False(RunIds.IsFromUid(RunMapper.RunIdOf(Recorded.ListedJob("previous-release-failed").Metadata)));
    }

    /// <summary>Query → the Job names kept, oldest first.</summary>
    public static TheoryData<string, RunQuery, string[]> Queries => new()
    {
        { "everything, oldest first", new RunQuery(), ["test-shop-e2e", "test-shop-e2e-3f9a1c", "test-shop-e2e", "test-a-very-long-definition-name-that-fills-the-label-e-4d5e6f"] },
        { "the short name", new RunQuery { Names = ["shop"] }, ["test-shop-e2e", "test-shop-e2e-3f9a1c", "test-shop-e2e"] },
        { "a wildcard on the short name", new RunQuery { Names = ["a-very*"] }, ["test-a-very-long-definition-name-that-fills-the-label-e-4d5e6f"] },
        { "a run-named Job's name", new RunQuery { Names = ["test-shop-e2e-3f9a1c"] }, ["test-shop-e2e-3f9a1c"] },
        { "a wildcard on the Job name", new RunQuery { Names = ["test-shop-e2e-*"] }, ["test-shop-e2e-3f9a1c"] },
        { "by status", new RunQuery { Status = [E2eRunStatus.Running, E2eRunStatus.Pending] }, ["test-shop-e2e", "test-a-very-long-definition-name-that-fills-the-label-e-4d5e6f"] },
        { "the last two", new RunQuery { Last = 2 }, ["test-shop-e2e", "test-a-very-long-definition-name-that-fills-the-label-e-4d5e6f"] },
        { "the last one of a name: the newest run", new RunQuery { Names = ["shop"], Last = 1 }, ["test-shop-e2e"] },
        { "a run id", new RunQuery { RunId = "20261205-101500-3f9a1c" }, ["test-shop-e2e-3f9a1c"] },
        { "a Job UID as run id", new RunQuery { RunId = "9c0d2e11-0000-4000-8000-000000000003" }, ["test-shop-e2e"] },
        { "a name that matches nothing", new RunQuery { Names = ["cart"] }, [] },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Keeps_what_the_query_asks_for_newest_last(string why, RunQuery query, string[] expected)
    {
        ArgumentNullException.ThrowIfNull(query);
        var runs = new[] { "run-named-complete", "kubectl-applied-running", "previous-release-failed", "long-name-pending" }
            .Select(key => RunMapper.Map(Recorded.ListedJob(key), PodsOf(key), s_cluster, s_now));

        var kept = RunFilter.Apply(runs, query);

        Assert.True(expected.SequenceEqual(kept.Select(r => r.JobName)), $"{why}: {string.Join(", ", kept.Select(r => r.JobName))}");
    }

    private static List<V1Pod> PodsOf(string key) => key == "long-name-pending" ? [] : [Recorded.ListedPod(key + "-pod")];
}
