using System.Runtime.CompilerServices;
using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Platform;
using E2ePs.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// Wait-E2eJob's engine. Runs are grouped by cluster and namespace; each group is followed by one
/// <see cref="NamespaceFollower"/> (one list-then-watch of its Jobs and one of its pods), so waiting on
/// N jobs costs the same two watches as waiting on one. Updates go through a channel to the caller, who
/// writes them on the pipeline thread.
/// </summary>
public sealed class JobWaiter(IClusterConnectionFactory connections, IClock clock)
{
    /// <summary>Waits for <paramref name="runs"/>; yields progress and each run once it has ended.</summary>
    public async IAsyncEnumerable<WaitUpdate> WaitAsync(IReadOnlyList<E2eRun> runs, WaitOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        var channel = Channel.CreateUnbounded<WaitUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var board = new RunBoard(runs, channel.Writer, clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout is { } timeout)
        {
            stop.CancelAfter(timeout);
        }

        var groups = runs
            .Where(r => !r.IsFinished)
            .GroupBy(r => (r.Kubeconfig, r.Context, r.Namespace))
            .Select(group => FollowAsync(group, board, options, stop.Token))
            .ToList();

        // A tick of the clock every second, so the caller's progress shows the elapsed time move
        // while nothing changes in the cluster.
        var ticking = new CancellationTokenSource();
        _ = Ticker.RunAsync(TimeSpan.FromSeconds(1), () => board.ReportProgress(tick: true), ticking.Token);

        var all = Task.WhenAll(groups);
        _ = all.ContinueWith(
            task =>
            {
                ticking.Cancel();
                ticking.Dispose();
                EndUnfinished(board, options, cancelled: cancellationToken.IsCancellationRequested, timedOut: stop.IsCancellationRequested);
                channel.Writer.TryComplete(task.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        board.ReportProgress();
        await foreach (var update in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            yield return update;
        }
    }

    /// <summary>Ends the runs still open when the caller cancelled or the timeout passed.</summary>
    private static void EndUnfinished(RunBoard board, WaitOptions options, bool cancelled, bool timedOut)
    {
        if (cancelled)
        {
            board.EndAll(E2eRunStatus.Cancelled, "Cancelled", "The wait was cancelled; the Job goes on in the cluster.");
        }
        else if (timedOut)
        {
            board.EndAll(E2eRunStatus.TimedOut, "TimedOut", $"The run had not ended after {options.Timeout}.");
        }
    }

    /// <summary>Follows the runs of one cluster and namespace until each has ended.</summary>
    private async Task FollowAsync(IGrouping<(string? Kubeconfig, string Context, string Namespace), E2eRun> group, RunBoard board, WaitOptions options, CancellationToken cancellationToken)
    {
        var (kubeconfig, context, ns) = group.Key;
        var connection = connections.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = string.IsNullOrEmpty(context) ? null : context });
        using var follower = new NamespaceFollower(connection, ns, group.ToList(), board, options, clock);
        await follower.FollowAsync(cancellationToken);
    }
}
