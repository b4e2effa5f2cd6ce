using E2ePs.Cmdlets;
using E2ePs.Models;
using E2ePs.Naming;

namespace E2ePs.Engine.Tests.Listing;

/// <summary>
/// Which runs Remove-E2eJob -Keep / -OlderThan removes (<see cref="RunSelection"/>), and what a name given for
/// a run says (<see cref="RunJobNames"/>): the short name, the fixed Kubernetes name, or one run's Job name.
/// </summary>
public sealed class RunSelectionTableTests
{
    private static readonly DateTimeOffset s_noon = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    // Four runs an hour apart, oldest first, as Get-E2eRun lists them: 09:00, 10:00, 11:00, 12:00.
    private static readonly E2eRun[] s_runs = [.. Enumerable.Range(0, 4).Select(i => new E2eRun { JobName = $"test-api-e2e-00000{i}", StartTime = s_noon.AddHours(i - 3) })];

    /// <summary>keep, started before (hours before noon) → the Job names removed.</summary>
    public static TheoryData<int?, double?, string[]> Rows => new()
    {
        { null, null, ["test-api-e2e-000000", "test-api-e2e-000001", "test-api-e2e-000002", "test-api-e2e-000003"] },
        { 1, null, ["test-api-e2e-000000", "test-api-e2e-000001", "test-api-e2e-000002"] },
        { 0, null, ["test-api-e2e-000000", "test-api-e2e-000001", "test-api-e2e-000002", "test-api-e2e-000003"] },
        { 10, null, [] },
        { null, 1.5, ["test-api-e2e-000000", "test-api-e2e-000001"] },
        { 3, 1.5, ["test-api-e2e-000000"] },
        { null, 0, ["test-api-e2e-000000", "test-api-e2e-000001", "test-api-e2e-000002"] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Removes_all_but_the_newest_kept_and_only_the_old_ones(int? keep, double? hoursBeforeNoon, string[] removed)
    {
        var before = hoursBeforeNoon is { } hours ? s_noon.AddHours(-hours) : (DateTimeOffset?)null;

        Assert.Equal(removed, RunSelection.ToRemove(s_runs, keep, before).Select(r => r.JobName));
    }

    [Fact]
    public void A_run_without_a_start_time_is_never_older_than_anything()
    {
        Assert.Empty(RunSelection.ToRemove([new E2eRun { JobName = "test-api-e2e" }], null, s_noon));
    }

    /// <summary>name → short name and run Job name, or null when it is none of the three shapes.</summary>
    public static TheoryData<string, string?, string?> Names => new()
    {
        { "test-api-e2e", "api", null },
        { "test-api-e2e-3f9a1c", "api", "test-api-e2e-3f9a1c" },
        { "test-vllm-agent-tools-e2e-00ff09", "vllm-agent-tools", "test-vllm-agent-tools-e2e-00ff09" },
        // A short name itself is not one of the Kubernetes shapes: the caller validates it as a short name.
        { "api", null, null },
        { "test-api-e2e-3F9A1C", null, null },
        { "test-api-e2e-3f9a1", null, null },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Reads_what_a_name_says(string name, string? shortName, string? runJobName)
    {
        var parsed = RunJobNames.Parse(name);

        Assert.Equal(shortName, parsed?.ShortName);
        Assert.Equal(runJobName, parsed?.RunJobName);
    }

    [Fact]
    public void A_name_made_by_JobLayout_RunJobName_is_read_back()
    {
        var jobName = JobLayout.RunJobName(JobLayout.KubernetesName("api"), "20261205-101500-3f9a1c");

        Assert.Equal(("api", jobName), RunJobNames.Parse(jobName));
    }
}
