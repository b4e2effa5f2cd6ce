using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Results;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// The state of every run being waited for, shared by the namespace watchers. It turns verdicts into
/// final E2eRun objects and progress counts, and writes each to the channel exactly once.
/// </summary>
internal sealed class RunBoard
{
    private readonly object _gate = new();
    private readonly Dictionary<string, E2eRun> _runs;
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _messages = new(StringComparer.Ordinal);
    private readonly ChannelWriter<WaitUpdate> _writer;
    private readonly IClock _clock;
    private (int Pending, int Running, int Succeeded, int Failed) _lastCounts = (-1, -1, -1, -1);

    public RunBoard(IReadOnlyList<E2eRun> runs, ChannelWriter<WaitUpdate> writer, IClock clock)
    {
        _clock = clock;
        _runs = runs.ToDictionary(r => r.RunId, r => r.Clone(), StringComparer.Ordinal);
        _writer = writer;
        foreach (var run in _runs.Values.Where(r => r.IsFinished))
        {
            _finished.Add(run.RunId);
            _writer.TryWrite(new WaitUpdate { Finished = run });
        }
    }

    public void Update(E2eRun run, RunVerdict verdict)
    {
        string change;
        lock (_gate)
        {
            var current = _runs[run.RunId];
            var message = verdict.Status == E2eRunStatus.Pending ? verdict.Message : null;
            var sameMessage = string.Equals(_messages.GetValueOrDefault(run.RunId), message, StringComparison.Ordinal);
            if (_finished.Contains(run.RunId) || (current.Status == verdict.Status && current.PodNames.Count == verdict.PodNames.Count && sameMessage))
            {
                return;
            }

            // Why a run is still Pending (an autoscaler adding a node, a volume waiting for its Secret) is news too.
            _messages[run.RunId] = message;
            change = $"{current.Namespace}/{current.JobName} (run {current.RunId}): {current.Status} -> {verdict.Status}, {verdict.PodNames.Count} pod(s){(verdict.PodNames.Count > 0 ? ": " + string.Join(", ", verdict.PodNames) : "")}.{(message is null || sameMessage ? "" : " " + message)}";
            current.Status = verdict.Status;
            current.PodNames = verdict.PodNames;
        }

        ReportProgress(change);
    }

    /// <summary>Ends a run with its verdict and its kind of failure; <paramref name="lastPod"/> is its newest pod, when known.</summary>
    public void Finish(E2eRun run, RunVerdict verdict, V1Pod? lastPod = null)
    {
        E2eRun final;
        lock (_gate)
        {
            if (!_finished.Add(run.RunId))
            {
                return;
            }

            final = _runs[run.RunId];
            final.Status = verdict.Status;
            final.Reason = verdict.Reason;
            final.Message = verdict.Message;
            final.ExitCode = verdict.ExitCode;
            final.PodNames = verdict.PodNames;
            final.CompletionTime = verdict.CompletionTime ?? _clock.UtcNow;
            // The same classification as Invoke-E2eTest's, which adds the test report to it.
            final.FailureKind = FailureClassifier.Classify(final, lastPod, final.TestResult);
        }

        _writer.TryWrite(new WaitUpdate { Finished = final });
        ReportProgress(null);
    }

    public void EndAll(E2eRunStatus status, string reason, string message)
    {
        List<E2eRun> ended;
        lock (_gate)
        {
            ended = _runs.Values.Where(r => !_finished.Contains(r.RunId)).ToList();
            foreach (var run in ended)
            {
                _finished.Add(run.RunId);
                run.Status = status;
                run.Reason = reason;
                run.Message = message;
                run.CompletionTime = _clock.UtcNow;
                run.FailureKind = FailureClassifier.Classify(run, null, run.TestResult);
            }
        }

        foreach (var run in ended)
        {
            _writer.TryWrite(new WaitUpdate { Finished = run });
        }
    }

    /// <summary>Writes the counts when they changed, or with <paramref name="change"/> (what changed), or on <paramref name="tick"/>, once a second, so the elapsed time moves.</summary>
    public void ReportProgress(string? change = null, bool tick = false)
    {
        WaitUpdate update;
        lock (_gate)
        {
            var counts = (
                _runs.Values.Count(r => r.Status == E2eRunStatus.Pending),
                _runs.Values.Count(r => r.Status == E2eRunStatus.Running),
                _runs.Values.Count(r => r.Status == E2eRunStatus.Succeeded),
                _runs.Values.Count(r => r.Status is E2eRunStatus.Failed or E2eRunStatus.TimedOut or E2eRunStatus.Cancelled));
            if (counts == _lastCounts && change is null && !tick)
            {
                return;
            }

            _lastCounts = counts;
            update = new WaitUpdate { Pending = counts.Item1, Running = counts.Item2, Succeeded = counts.Item3, Failed = counts.Item4, Change = change };
        }

        _writer.TryWrite(update);
    }
}
