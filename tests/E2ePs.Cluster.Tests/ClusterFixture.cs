using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;
using E2ePs.KubeEmulator;
using E2ePs.Tests.Support;
using E2ePs.KubeEmulator.Scenarios;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>One emulator and a scratch repository shared by the cluster tests, with helpers to wait and read logs.</summary>
public sealed class ClusterFixture() : EmulatedCluster("t")
{
    /// <summary>A test that hangs fails instead, after this long.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    public async Task<List<E2eRun>> WaitAllAsync(IReadOnlyList<E2eRun> runs, WaitOptions? options = null)
    {
        using var limit = new CancellationTokenSource(s_limit);
        var finished = new List<E2eRun>();
        await foreach (var update in Engine.Cluster.WaitAsync(runs, options ?? new WaitOptions(), limit.Token))
        {
            if (update.Finished is { } run)
            {
                finished.Add(run);
            }
        }

        return finished;
    }

    public async Task<List<E2eLogLine>> LogsAsync(E2eRun run, bool follow = false)
    {
        var lines = new List<E2eLogLine>();
        var request = new LogRequest { Target = Target(run.Namespace), JobName = run.JobName, Uid = run.Uid, Follow = follow };
        using var limit = new CancellationTokenSource(s_limit);
        await foreach (var line in Engine.Cluster.ReadLogsAsync(request, limit.Token))
        {
            lines.Add(line);
        }

        return lines;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
