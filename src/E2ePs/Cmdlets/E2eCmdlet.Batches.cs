namespace E2ePs.Cmdlets;

/// <summary>
/// Draining an engine stream in batches: the items that are already there, as one batch, before the
/// pipeline thread blocks for the next. A log read this way turns into chunks of text that arrived together
/// (Get-E2eLog -Raw) and into one write to a file per chunk (-OutFile), rather than one object per line.
/// </summary>
public abstract partial class E2eCmdlet
{
    /// <summary>
    /// Enumerates <paramref name="source"/> on the pipeline thread and yields every run of items that came
    /// without waiting (at most <paramref name="maxItems"/> at a time), just before it would block. The same
    /// list is yielded each time and cleared after the caller's turn, so the caller uses it at once. After
    /// Ctrl+C the items that arrived are still yielded, then the enumeration ends quietly (as
    /// <see cref="Drain{T}(IAsyncEnumerable{T})"/> does).
    /// </summary>
    protected IEnumerable<List<T>> DrainBatches<T>(IAsyncEnumerable<T> source, int maxItems)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var enumerator = source.GetAsyncEnumerator(CancellationToken);
        var batch = new List<T>();
        Task<bool>? waiting = null;
        try
        {
            while (true)
            {
                var pending = enumerator.MoveNextAsync();
                waiting = pending.IsCompleted ? null : pending.AsTask();
                if (batch.Count > 0 && (waiting is not null || batch.Count >= maxItems))
                {
                    yield return batch;
                    batch.Clear();
                }

                bool next;
                try
                {
                    next = waiting is null ? pending.Result : waiting.GetAwaiter().GetResult();
                    waiting = null;
                }
                catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
                {
                    next = false;
                }

                if (!next)
                {
                    break;
                }

                batch.Add(enumerator.Current);
            }

            if (batch.Count > 0)
            {
                yield return batch;
            }
        }
        finally
        {
            if (waiting is { IsCompleted: false })
            {
                // The caller stopped (its write failed) while the next item was being read: a stream cannot be
                // disposed in the middle of a read, so end the read first. The cmdlet is ending anyway.
                _cancellation.Cancel();
                try
                {
                    waiting.Wait(s_stopGrace);
                }
                catch (AggregateException)
                {
                }
            }

            try
            {
                enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
