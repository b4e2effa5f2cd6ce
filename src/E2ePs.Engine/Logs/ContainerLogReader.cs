using System.Net;
using System.Runtime.CompilerServices;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Logs;

/// <summary>
/// The one reader of a container's log, for every caller (Get-E2eLog with or without -Follow,
/// Get-E2eResult, Invoke-E2eTest, the diagnostics): a dropped response is reopened from the last line's
/// second and the replayed lines are skipped (<see cref="LogResumePoint"/>); progress is made whenever a
/// connection delivers one new line. Where no connection can pass a second of log (it holds more than one
/// connection delivers), the rest is read from the end of the log with tailLines (see
/// <see cref="CatchUpFromTailAsync"/>). A log that cannot be read is an <see cref="E2eException"/>.
/// One instance reads one container of one pod, through the connection it is given.
/// </summary>
internal sealed class ContainerLogReader(ClusterConnection connection, string ns, string pod, string container, bool isInit)
{
    private const int MaxFailedOpens = 50;

    /// <summary>
    /// How long a followed stream's end waits for pod.status to say the container stopped: the kubelet's relist
    /// period (1 s) with room for a loaded node and the status manager's write.
    /// </summary>
    internal static readonly TimeSpan StatusLagBound = TimeSpan.FromSeconds(5);

    // Reopens in a row that delivered no new line before the window is taken as one no connection passes.
    private const int StallsBeforeTailRead = 3;

    // A tailLines probe needs only its first line; limitBytes keeps it small.
    private const long ProbeBytes = 16 * 1024;

    private enum Outcome
    {
        Ended,
        Dropped,
        OpenFailed,
        NoLog,
    }

    private sealed class Connection
    {
        public Outcome Outcome { get; set; }

        public Exception? Error { get; set; }
    }

    /// <summary>Every line of the container's log that <paramref name="request"/> asks for, each once, in order.</summary>
    public async IAsyncEnumerable<E2eLogLine> ReadAsync(LogRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var chunk in ReadChunksAsync(request, cancellationToken))
        {
            var data = chunk.Data;
            var at = 0;
            while (at < data.Length)
            {
                var end = Array.IndexOf(data, (byte)'\n', at);
                var stop = end < 0 ? data.Length : end;
                var (timestamp, message) = LogLine.Parse(data.AsSpan(at, stop - at));
                at = stop + 1;
                yield return new E2eLogLine { Pod = pod, Container = container, InitContainer = isInit, Timestamp = timestamp, Message = message };
            }
        }
    }

    /// <summary>
    /// Every line of the container's log that <paramref name="request"/> asks for, each once, in order, as
    /// the raw lines that arrived together (<see cref="LogChunk"/>): the byte path, no object per line.
    /// </summary>
    public async IAsyncEnumerable<LogChunk> ReadChunksAsync(LogRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = new PodLogRequest.Query(container, request.Follow, request.Tail,
            request.Since is { } since ? Math.Max(1, (int)Math.Ceiling(since.TotalSeconds)) : null, SinceTime: null);
        var resume = new LogResumePoint();
        var stalls = 0;
        var failedOpens = 0;
        var quietReopens = 0;
        while (true)
        {
            var query = resume.Request is { } resumeAt ? first with { TailLines = null, SinceSeconds = null, SinceTime = resumeAt.SinceTime } : first;
            resume.Reopen();
            var result = new Connection();
            await foreach (var chunk in ReadConnectionAsync(query, resume, long.MaxValue, result, request.ReadOnCallingThread, cancellationToken))
            {
                yield return chunk;
            }

            if (result.Outcome == Outcome.NoLog)
            {
                yield break;
            }

            // Nothing written yet: no window is in the way. A followed container may just be quiet behind
            // something that drops idle connections; otherwise the connection itself fails.
            if (result.Outcome == Outcome.Dropped && resume.Written == 0 && request.Follow && !await ContainerEndedAsync(cancellationToken))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(++quietReopens, 10)), cancellationToken);
                continue;
            }

            if (result.Outcome == Outcome.OpenFailed || (result.Outcome == Outcome.Dropped && resume.Written == 0))
            {
                if (++failedOpens > MaxFailedOpens)
                {
                    throw Unreadable(result.Error);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(failedOpens, 10)), cancellationToken);
                continue;
            }

            failedOpens = 0;
            if (result.Outcome == Outcome.Ended && (!request.Follow || await ContainerEndsAsync(cancellationToken)))
            {
                yield break;
            }

            if (resume.NewThisConnection > 0)
            {
                stalls = 0;
                quietReopens = 0;
                continue;
            }

            if (result.Outcome == Outcome.Ended)
            {
                // The server ended a follow of a running container without a new line (a proxy's idle
                // timeout on a quiet container): nothing is in the way, follow again, without a hot loop.
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(++quietReopens, 10)), cancellationToken);
                continue;
            }

            if (++stalls < StallsBeforeTailRead)
            {
                continue;
            }

            await foreach (var chunk in CatchUpFromTailAsync(request.Follow, resume, request.ReadOnCallingThread, cancellationToken))
            {
                yield return chunk;
            }

            yield break;
        }
    }

    /// <summary>
    /// Reads the lines after the last one written, for a log whose second of the last line is larger than
    /// one connection delivers: every reopen from sinceTime (whole seconds only) replays the same bytes and
    /// is cut at the same place. The API offers one other start point, <c>tailLines</c>, counted from the
    /// end of the log (the kubelet seeks back N lines, then applies sinceTime: pkg/kubelet/kuberuntime/logs/logs.go),
    /// so: once the container has terminated and its log no longer grows, find R, the number of lines after
    /// the last one written, by probing <c>tailLines=N&amp;limitBytes=16KiB</c> (the first line of the answer is
    /// line total-N: after the written ones or not, <see cref="LogResumePoint.IsAfterWritten"/>; doubling N, then
    /// halving the interval: about 2·log2(R) small requests), then read <c>tailLines=R</c>, which starts
    /// exactly at the next line; after a cut, <c>tailLines</c> = what is left. Each connection then delivers
    /// new lines only. A followed container still running is waited for first (its lines come late, none is
    /// lost); a running container read without follow cannot be located and is an error. Like every read,
    /// tailLines sees only the kubelet's current log file, not rotated ones.
    /// </summary>
    private async IAsyncEnumerable<LogChunk> CatchUpFromTailAsync(bool follow, LogResumePoint resume, bool blocking, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (follow)
        {
            await LogReader.WaitForContainerAsync(connection, ns, pod, container, s => s.State?.Terminated is not null, cancellationToken);
        }

        if (!await ContainerEndedAsync(cancellationToken))
        {
            throw new E2eException("LogStreamStalled", E2eErrorCategory.ReadError, pod,
                $"Every connection to the log of container {container} of pod {pod} in namespace {ns} ends before it passes one second of log, and the container still runs, so the rest of its log cannot be located yet.")
            {
                RecommendedAction = "Read it with -Follow (which reads the rest once the container ended) or after the container ended; or raise the limit of whatever cuts long responses between here and the API server.",
            };
        }

        long after = 0;
        long before = 1;
        while (await ProbeIsAfterWrittenAsync(resume, before, cancellationToken))
        {
            after = before;
            before *= 2;
            if (before > int.MaxValue)
            {
                throw Unreadable(null);
            }
        }

        while (before - after > 1)
        {
            var middle = after + ((before - after) / 2);
            if (await ProbeIsAfterWrittenAsync(resume, middle, cancellationToken))
            {
                after = middle;
            }
            else
            {
                before = middle;
            }
        }

        var remaining = after;
        var idle = 0;
        while (remaining > 0)
        {
            var query = new PodLogRequest.Query(container, Follow: false, TailLines: (int)remaining, SinceSeconds: null, SinceTime: null);
            resume.Reopen(replays: false);
            var result = new Connection();
            await foreach (var chunk in ReadConnectionAsync(query, resume, remaining, result, blocking, cancellationToken))
            {
                remaining -= chunk.Lines;
                yield return chunk;
            }

            if (result.Outcome == Outcome.NoLog || (result.Outcome == Outcome.Ended && remaining > 0))
            {
                // The log is shorter than probed: it was rotated or the pod went away meanwhile.
                yield break;
            }

            idle = resume.NewThisConnection > 0 ? 0 : idle + 1;
            if (idle > MaxFailedOpens)
            {
                throw Unreadable(result.Error);
            }
        }
    }

    /// <summary>Whether line total-N of the log comes after every line written.</summary>
    private async Task<bool> ProbeIsAfterWrittenAsync(LogResumePoint resume, long n, CancellationToken cancellationToken)
    {
        var limit = ProbeBytes;
        for (var attempt = 0; ; attempt++)
        {
            string? raw = null;
            var lineTooLong = false;
            try
            {
                var query = new PodLogRequest.Query(container, Follow: false, TailLines: (int)n, SinceSeconds: null, SinceTime: null, LimitBytes: limit);
                await using var stream = await PodLogRequest.OpenAsync(connection.Client, ns, pod, query, cancellationToken);
                var reader = new LogLineReader(stream);
                raw = await reader.ReadLineAsync(cancellationToken);
                lineTooLong = reader.LastLineUnterminated;
            }
            catch (Exception error) when (IsDrop(error) && attempt < MaxFailedOpens)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(attempt + 1, 10)), cancellationToken);
                continue;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw KubernetesErrors.Translate(error, connection, $"read the log of container {container} of pod {pod} in namespace {ns}", pod);
            }

            if (lineTooLong && limit < (64L << 20))
            {
                limit *= 4;
                continue;
            }

            if (raw is null)
            {
                return false;
            }

            var (timestamp, message) = LogLine.Parse(raw);
            return resume.IsAfterWritten(timestamp, message);
        }
    }

    /// <summary>
    /// One response: its new lines (at most <paramref name="maxLines"/>), as chunks of the lines that arrived
    /// together, and how it ended in <paramref name="result"/>. With <paramref name="blocking"/>, the response
    /// is read with blocking calls on the enumerating thread (cancellation disposes it).
    /// </summary>
    private async IAsyncEnumerable<LogChunk> ReadConnectionAsync(
        PodLogRequest.Query query, LogResumePoint resume, long maxLines, Connection result, bool blocking, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            stream = await PodLogRequest.OpenAsync(connection.Client, ns, pod, query, cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.BadRequest) && !query.Follow)
        {
            // A container that never started (its init container failed, its image cannot be pulled) has no log.
            result.Outcome = Outcome.NoLog;
            yield break;
        }
        catch (Exception error) when (IsDrop(error) && !cancellationToken.IsCancellationRequested)
        {
            result.Outcome = Outcome.OpenFailed;
            result.Error = error;
            yield break;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read the log of container {container} of pod {pod} in namespace {ns}", pod);
        }

        await using (stream)
        using (blocking ? cancellationToken.Register(static s => ((Stream)s!).Dispose(), stream) : default)
        {
            var reader = new LogLineReader(stream, blocking);
            long delivered = 0;
            while (delivered < maxLines)
            {
                ReadOnlyMemory<byte> arrived;
                try
                {
                    arrived = await reader.ReadLinesAsync(cancellationToken);
                }
                catch (Exception error) when (IsDrop(error) && !cancellationToken.IsCancellationRequested)
                {
                    result.Outcome = Outcome.Dropped;
                    result.Error = error;
                    yield break;
                }

                if (arrived.IsEmpty)
                {
                    break;
                }

                if (reader.LastLineUnterminated && query.Follow)
                {
                    // A followed stream ends inside a line only when it was cut: the kubelet holds an
                    // incomplete line back until its '\n'. Read it whole from the next connection.
                    result.Outcome = Outcome.Dropped;
                    yield break;
                }

                if (NewLines(arrived.Span, resume, maxLines - delivered) is { } chunk)
                {
                    delivered += chunk.Lines;
                    yield return chunk;
                }
            }
        }

        result.Outcome = Outcome.Ended;
    }

    /// <summary>
    /// The lines of <paramref name="arrived"/> that are new (at most <paramref name="maxLines"/>), now written
    /// in <paramref name="resume"/>; null when all were replayed. While a reopened connection replays, each
    /// line's stamp is read to decide; after that, the rest are new, and only the last line's stamp is read.
    /// </summary>
    private LogChunk? NewLines(ReadOnlySpan<byte> arrived, LogResumePoint resume, long maxLines)
    {
        if (maxLines < long.MaxValue)
        {
            arrived = FirstLines(arrived, maxLines);
        }

        // The chunk owns its bytes; the resume point keeps references to them.
        var data = arrived.ToArray();
        var at = 0;
        var first = -1;
        while (resume.Replaying && at < data.Length)
        {
            var end = Array.IndexOf(data, (byte)'\n', at);
            var stop = end < 0 ? data.Length : end;
            DateTimeOffset? timestamp = LogStamp.TextStart(data.AsSpan(at, stop - at), out var stamp) > 0 ? stamp : null;
            var accepted = resume.Accept(timestamp, data, at, stop - at);
            if (accepted)
            {
                first = at;
            }

            at = stop + 1;
            if (accepted)
            {
                break;
            }
        }

        var lines = first >= 0 ? 1 : 0;
        first = first >= 0 ? first : at;
        if (at < data.Length)
        {
            lines += resume.AcceptAll(data, at, data.Length - at);
        }

        if (lines == 0)
        {
            return null;
        }

        return new LogChunk
        {
            Pod = pod,
            Container = container,
            InitContainer = isInit,
            Data = first == 0 ? data : data[first..],
            Lines = lines,
        };
    }

    /// <summary>The first <paramref name="count"/> lines of <paramref name="lines"/>.</summary>
    private static ReadOnlySpan<byte> FirstLines(ReadOnlySpan<byte> lines, long count)
    {
        var at = 0;
        for (long i = 0; i < count && at < lines.Length; i++)
        {
            var end = lines[at..].IndexOf((byte)'\n');
            at = end < 0 ? lines.Length : at + end + 1;
        }

        return lines[..at];
    }

    private static bool IsDrop(Exception error) => error is IOException or HttpRequestException;

    private E2eException Unreadable(Exception? error) =>
        error is not null
            ? KubernetesErrors.Translate(error, connection, $"read the log of container {container} of pod {pod} in namespace {ns} ({MaxFailedOpens} attempts in a row)", pod)
            : new E2eException("LogStreamStalled", E2eErrorCategory.ReadError, pod,
                $"The log of container {container} of pod {pod} in namespace {ns} could not be read past a point: no connection delivered a new line.")
            {
                RecommendedAction = "Something between here and the API server cuts long responses; raise its limit or timeout.",
            };

    /// <summary>
    /// Whether a followed stream that ended cleanly ended because the container stopped. The kubelet ends a follow
    /// when the runtime says the container stopped (waitLogs in pkg/kubelet/kuberuntime/logs/logs.go), but
    /// pod.status shows it terminated only after the next PLEG relist (pkg/kubelet/pleg/generic.go, every second) and
    /// the status manager's sync: reading the status once right after the end often still says running, and
    /// reopening then would replay the last second and end again, in a loop, until the status catches up. So the
    /// pod is watched (not polled) until the container shows terminated, the pod ends or goes, or
    /// <see cref="StatusLagBound"/> passes with it still running: then the end was something else (an idle timeout
    /// of a proxy on a quiet container) and the caller follows again, at most once per bound.
    /// </summary>
    private async Task<bool> ContainerEndsAsync(CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(StatusLagBound);
        try
        {
            await LogReader.WaitForContainerAsync(connection, ns, pod, container, s => s.State?.Terminated is not null, bound.Token);
            return true;
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Still running by its status, or a pod that was gone before the watch listed it: one read tells.
            return await ContainerEndedAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, connection, $"watch pod {pod} in namespace {ns}", pod);
        }
    }

    private async Task<bool> ContainerEndedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var current = await connection.Client.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: cancellationToken);
            var status = (current.Status?.InitContainerStatuses ?? []).Concat(current.Status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container);
            return status?.State?.Terminated is not null || current.Status?.Phase is "Succeeded" or "Failed";
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            return true;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read pod {pod} in namespace {ns}", pod);
        }
    }
}
