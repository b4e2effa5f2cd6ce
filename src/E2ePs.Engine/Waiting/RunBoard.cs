using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Models;

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
    private readonly ChannelWriter<WaitUpdate> _writer;
    private (int Pending, int Running, int Succeeded, int Failed) _lastCounts = (-1, -1, -1, -1);

    public RunBoard(IReadOnlyList<E2eRun> runs, ChannelWriter<WaitUpdate> writer)
    {
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
        lock (_gate)
        {
            var current = _runs[run.RunId];
            if (_finished.Contains(run.RunId) || (current.Status == verdict.Status && current.PodNames.Count == verdict.PodNames.Count))
            {
                return;
            }

            current.Status = verdict.Status;
            current.PodNames = verdict.PodNames;
        }

        ReportProgress();
    }

    public void Finish(E2eRun run, RunVerdict verdict)
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
            final.CompletionTime = verdict.CompletionTime ?? DateTimeOffset.UtcNow;
        }

        _writer.TryWrite(new WaitUpdate { Finished = final });
        ReportProgress();
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
                run.CompletionTime = DateTimeOffset.UtcNow;
            }
        }

        foreach (var run in ended)
        {
            _writer.TryWrite(new WaitUpdate { Finished = run });
        }
    }

    public void ReportProgress()
    {
        WaitUpdate update;
        lock (_gate)
        {
            var counts = (
                _runs.Values.Count(r => r.Status == E2eRunStatus.Pending),
                _runs.Values.Count(r => r.Status == E2eRunStatus.Running),
                _runs.Values.Count(r => r.Status == E2eRunStatus.Succeeded),
                _runs.Values.Count(r => r.Status is E2eRunStatus.Failed or E2eRunStatus.TimedOut or E2eRunStatus.Cancelled));
            if (counts == _lastCounts)
            {
                return;
            }

            _lastCounts = counts;
            update = new WaitUpdate { Pending = counts.Item1, Running = counts.Item2, Succeeded = counts.Item3, Failed = counts.Item4 };
        }

        _writer.TryWrite(update);
    }
}
