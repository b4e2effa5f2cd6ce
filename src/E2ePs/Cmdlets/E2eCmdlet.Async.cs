using System.Management.Automation;
using System.Threading.Channels;

namespace E2ePs.Cmdlets;

/// <summary>
/// The one way an E2ePs cmdlet does asynchronous work. PowerShell lets only the pipeline thread call
/// WriteObject, WriteProgress, WriteError, WriteWarning and WriteVerbose, so the engine's work runs on
/// other threads and produces into a channel (an IAsyncEnumerable the engine backs with one, or a
/// <see cref="Channel{T}"/> the cmdlet fills), and the pipeline thread drains it here: it blocks on the
/// next item with the cmdlet's cancellation token and writes it. Ctrl+C cancels that token
/// (StopProcessing); the cmdlet then waits, with a bound, for the work it started to finish its own
/// cleanup (a probe Job deleted, an engine process stopped, a working container removed) before it
/// returns as a stopped pipeline, so that nothing it started outlives it unseen.
/// </summary>
public abstract partial class E2eCmdlet
{
    /// <summary>
    /// How long a stopped cmdlet waits for its work to end after Ctrl+C. The engine's own budgets are
    /// shorter (10 s for a probe's delete, a few seconds from SIGTERM to SIGKILL for a build); this
    /// only keeps a hung request from holding the prompt forever.
    /// </summary>
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(30);

    private readonly List<Task> _work = [];

    /// <summary>
    /// Blocks the pipeline thread on an engine task. Ctrl+C ends the wait, waits (bounded) for the
    /// task to finish the cleanup it does when cancelled, and stops the pipeline.
    /// </summary>
    protected T Await<T>(Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        TrackWork(task);
        try
        {
            return task.WaitAsync(CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw Stopped();
        }
    }

    /// <summary>
    /// Enumerates an engine stream on the pipeline thread, so every item can be written with
    /// WriteObject; ends quietly when Ctrl+C cancels the token, after the stream has been disposed
    /// (which is when the engine has ended what it was doing). The cmdlet decides what else to do on
    /// the way out (Wait-E2eJob -CleanupOnCancel).
    /// </summary>
    protected IEnumerable<T> Drain<T>(IAsyncEnumerable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var enumerator = source.GetAsyncEnumerator(CancellationToken);
        try
        {
            while (true)
            {
                bool next;
                try
                {
                    next = enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                if (!next)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
            try
            {
                enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Reads a channel that background work fills, on the pipeline thread: yields each item as it
    /// arrives and null each time <paramref name="tick"/> passes with nothing new (so a cmdlet can keep
    /// an elapsed time moving), until the channel completes or the caller stops enumerating. Ctrl+C
    /// waits (bounded) for the work registered with <see cref="TrackWork"/>, then stops the pipeline.
    /// </summary>
    protected IEnumerable<T?> Drain<T>(ChannelReader<T> reader, TimeSpan tick)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(reader);
        Task<bool>? waiting = null;
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                yield return item;
            }

            // One wait outlives the ticks: a new one each tick would leave a waiter behind each time.
            waiting ??= reader.WaitToReadAsync(CancellationToken).AsTask();
            if (!WaitOnPipeline(waiting, tick))
            {
                yield return null;
                continue;
            }

            var open = waiting.GetAwaiter().GetResult();
            waiting = null;
            if (!open)
            {
                yield break;
            }
        }
    }

    /// <summary>Whether <paramref name="task"/> ended within <paramref name="timeout"/>; Ctrl+C stops the pipeline.</summary>
    private bool WaitOnPipeline(Task task, TimeSpan timeout)
    {
        try
        {
            return task.Wait((int)timeout.TotalMilliseconds, CancellationToken) || task.IsCompleted;
        }
        catch (Exception error) when (CancellationToken.IsCancellationRequested && error is OperationCanceledException or AggregateException)
        {
            throw Stopped();
        }
        catch (AggregateException)
        {
            // The task failed: the caller reads its result and sees why.
            return true;
        }
    }

    /// <summary>
    /// Registers work the cmdlet started that must end before the cmdlet returns after Ctrl+C: it
    /// observes <see cref="CancellationToken"/> and cleans up behind itself when cancelled.
    /// </summary>
    protected void TrackWork(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (_work)
        {
            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(work);
        }
    }

    /// <summary>
    /// After Ctrl+C: waits (at most <see cref="s_stopGrace"/>) for every tracked piece of work to end,
    /// and returns the exception that stops the pipeline. Faults of cancelled work are not errors.
    /// </summary>
    private PipelineStoppedException Stopped()
    {
        Task[] pending;
        lock (_work)
        {
            pending = [.. _work.Where(t => !t.IsCompleted).Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default))];
            _work.Clear();
        }

        Task.WaitAll(pending, s_stopGrace);
        return new PipelineStoppedException();
    }
}
