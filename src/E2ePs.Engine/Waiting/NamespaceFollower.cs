using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Listing;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Platform;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// Follows the runs of one cluster and namespace: one list-then-watch of their Jobs and one of their
/// pods, both selected by the e2eps.io/run-id label, and one of the namespace's events (what keeps a
/// pod from being created, scheduled or started is said only there). Each event updates what is known of its run
/// (<see cref="RunObservation"/>) and judges it again; a run that ended is finished on the board, or
/// handed to the <see cref="FailureExplainer"/> when its cause needs one more request. Each list of Jobs
/// (the first and every re-list after 410, a restart or an etcd restore) is reconciled: a run whose Job is
/// not in the full set ends as JobDeleted (<see cref="OnJobsListed"/>). The watches end
/// once every run has ended. The watch callbacks, the grace-period tick and the explainer run on
/// different threads, so everything known is read and changed under one lock.
/// </summary>
internal sealed class NamespaceFollower : IDisposable
{
    private readonly ClusterConnection _connection;
    private readonly string _ns;
    private readonly RunBoard _board;
    private readonly WaitOptions _options;
    private readonly IClock _clock;
    private readonly Dictionary<string, E2eRun> _runs;
    private readonly Dictionary<string, string> _runIdsByUid;

    // The run of every Job and pod UID seen (as started, as watched), so that an event finds its run in one
    // look-up instead of a scan of every run's pods. Changed and read under the lock.
    private readonly RunsByObjectUid _runsByObjectUid = new();
    private readonly Dictionary<string, RunObservation> _observations;
    private readonly HashSet<string> _pending;
    private readonly EventBuffer _events = new();
    private readonly object _gate = new();
    private readonly Channel<FailedRun> _toExplain = Channel.CreateUnbounded<FailedRun>();
    private readonly CancellationTokenSource _allEnded = new();

    // What is known of the cluster's node autoscaler; looked for once, when a pod is first Unschedulable.
    private AutoscalerPresence _autoscaler = AutoscalerPresence.Unknown;
    private int _autoscalerLookedFor;
    private CancellationToken _watching;

    // No verdict before the pods have been listed: the Jobs' list may come back first, and a Job
    // that has already ended would be judged (and its PodNames written) without its pods.
    private bool _podsListed;

    public NamespaceFollower(ClusterConnection connection, string ns, IReadOnlyList<E2eRun> runs, RunBoard board, WaitOptions options, IClock clock)
    {
        _connection = connection;
        _ns = ns;
        _board = board;
        _options = options;
        _clock = clock;
        _runs = runs.ToDictionary(r => r.RunId, StringComparer.Ordinal);
        _runIdsByUid = runs.Where(r => !string.IsNullOrEmpty(r.Uid)).ToDictionary(r => r.Uid, r => r.RunId, StringComparer.Ordinal);
        _observations = runs.ToDictionary(r => r.RunId, _ => new RunObservation(), StringComparer.Ordinal);
        _pending = new HashSet<string>(_runs.Keys, StringComparer.Ordinal);
        foreach (var run in runs)
        {
            _runsByObjectUid.Add(run.Uid, run.RunId);
        }
    }

    /// <summary>Returns once every run has ended, or throws when the watches fail or are cancelled.</summary>
    public async Task FollowAsync(CancellationToken cancellationToken)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _allEnded.Token);
        var explainer = new FailureExplainer(_connection.Client, _ns, _runs, _board, _clock).RunAsync(_toExplain.Reader, cancellationToken);
        try
        {
            await Task.WhenAll(StartWatches(watching.Token));
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested)
        {
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, _connection, $"watch the Jobs of namespace {_ns}", _ns);
        }

        _toExplain.Writer.TryComplete();
        await explainer;
    }

    public void Dispose() => _allEnded.Dispose();

    private List<Task> StartWatches(CancellationToken cancellationToken)
    {
        var client = _connection.Client;
        _watching = cancellationToken;
        // A Job applied from the manifest with kubectl has no run-id label, only the manifest's
        // e2eps.io/job (on its pods too): its run is followed by its UID, over that wider selector.
        var selector = _runs.Keys.Any(Runs.RunIds.IsFromUid) ? JobLabels.E2eJob : JobLabels.RunId;
        var watches = new List<Task>
        {
            WatchLoop.JobsAsync(client, _ns, selector, null, OnJob, null, cancellationToken, onListed: OnJobsListed),
            WatchLoop.PodsAsync(client, _ns, selector, null, OnPod, null, cancellationToken, onListed: OnPodsListed),
            WatchEventsAsync(client, cancellationToken),
        };

        // A failing pull is judged again when its grace period may have run out, event or not; so is a pod that
        // terminates past its grace period (RunEvaluator.Termination.cs), which no event may ever end.
        watches.Add(Ticker.RunAsync(_options.PullGracePeriod > TimeSpan.Zero ? _options.PullGracePeriod : TimeSpan.FromSeconds(1), JudgeAll, cancellationToken));

        // So are a pod waiting for an autoscaler and a volume waiting for its Secret: a quarter of the shorter grace
        // period, between 1 and 15 s, costs no request (the verdict is made from what the watches brought).
        if (GraceTick() is { } tick)
        {
            watches.Add(Ticker.RunAsync(tick, JudgeAll, cancellationToken));
        }

        return watches;
    }

    private TimeSpan? GraceTick()
    {
        var graces = new[] { _options.ScheduleGracePeriod, _options.MissingObjectGracePeriod }.Where(g => g > TimeSpan.Zero).ToList();
        return graces.Count == 0 ? null : TimeSpan.FromTicks(Math.Clamp(graces.Min().Ticks / 4, TimeSpan.TicksPerSecond, 15 * TimeSpan.TicksPerSecond));
    }

    /// <summary>Looks for the cluster's autoscaler once, off the watch threads, and judges every run again with what it found.</summary>
    private void LookForAutoscaler()
    {
        if (Interlocked.Exchange(ref _autoscalerLookedFor, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            AutoscalerPresence found;
            try
            {
                found = await AutoscalerDetector.DetectAsync(_connection.Client, _watching);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_gate)
            {
                _autoscaler = found;
            }

            JudgeAll();
        });
    }

    private void OnJob(WatchEventType type, V1Job job)
    {
        if (RunOfJob(job) is not { } runId)
        {
            return;
        }

        lock (_gate)
        {
            _observations[runId].JobSeen = true;
            _observations[runId].Job = type == WatchEventType.Deleted ? null : job;
            _runsByObjectUid.Add(job.Metadata.Uid, runId);
        }

        Judge(runId);
    }

    private void OnPod(WatchEventType type, V1Pod pod)
    {
        if ((RunIdOf(pod.Metadata) ?? RunIdOfUid(JobOwnership.JobUidOf(pod))) is not { } runId)
        {
            return;
        }

        lock (_gate)
        {
            // A deleted pod still counts: it is one of the job's attempts.
            _observations[runId].Pods[pod.Metadata.Name] = pod;
            _runsByObjectUid.Add(pod.Metadata.Uid, runId);
        }

        Judge(runId);
    }

    /// <summary>The run a Job belongs to: by its run-id label or its UID, and only the Job that run started (same UID).</summary>
    private string? RunOfJob(V1Job job) =>
        (RunIdOf(job.Metadata) ?? RunIdOfUid(job.Metadata.Uid)) is { } runId && !(_runs[runId].Uid is { Length: > 0 } uid && uid != job.Metadata.Uid) ? runId : null;

    /// <summary>
    /// Reconciles after each list of Jobs (the first, and every re-list after the watch was down): a run
    /// whose Job is not in the full set was deleted in the gap, or replaced by another of the same name,
    /// and no DELETED event will ever say so. Its wait ends as JobDeleted, with why in the message.
    /// </summary>
    private void OnJobsListed(Listing<V1Job> listing)
    {
        var present = listing.Items.Select(RunOfJob).OfType<string>().ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var runId in _pending.Where(id => !present.Contains(id)))
            {
                var observation = _observations[runId];
                observation.JobSeen = true;
                observation.Job = null;
                observation.GoneBecause ??= GoneMessage(_runs[runId], listing);
            }
        }

        JudgeAll();
    }

    /// <summary>Why a run's Job is not in a list: replaced by a namesake, gone before the wait, or gone while the watch was down.</summary>
    private string GoneMessage(E2eRun run, Listing<V1Job> listing)
    {
        var job = $"The Job {_ns}/{run.JobName}";
        var namesake = listing.Items.FirstOrDefault(j => j.Metadata.Name == run.JobName);
        var when = listing.Explanation is { } why ? $" while the wait was not watching: {why}" : " before the wait began";
        return namesake is not null
            ? $"{job} (UID {run.Uid}) was replaced by another Job of the same name (UID {namesake.Metadata.Uid}){when}. The run's own Job is gone."
            : listing.ServerWentBack
                ? $"{job} does not exist on the API server any more: {listing.Explanation}. The run is lost with it; start it again."
                : $"{job} was deleted{when}.";
    }

    /// <summary>
    /// The namespace's events, while the runs go on. A user allowed to read Jobs and pods but not events
    /// still gets every verdict the objects carry, only without the reasons events give: a 403 ends this
    /// watch and nothing else.
    /// </summary>
    private async Task WatchEventsAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            await WatchLoop.EventsAsync(client, _ns, null, OnEvent, null, cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (error.Response?.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
        }
    }

    private void OnEvent(WatchEventType type, Corev1Event item)
    {
        string? runId;
        lock (_gate)
        {
            if (_events.Add(type, item) is not { } uid)
            {
                return;
            }

            runId = _runsByObjectUid.RunOf(uid);
        }

        // An event about a pod not seen yet is joined to its run when the pod arrives.
        if (runId is not null)
        {
            Judge(runId);
        }
    }

    /// <summary>The UID of a run's Job: as watched, else as started.</summary>
    private string? JobUid(string runId, RunObservation observation) =>
        observation.Job?.Metadata?.Uid ?? (_runs[runId].Uid is { Length: > 0 } uid ? uid : null);

    /// <summary>The events about a run's Job and pods. Called under the lock.</summary>
    private List<Corev1Event> EventsOf(string runId, RunObservation observation) =>
        _events.About(observation.Pods.Values.Select(p => p.Metadata.Uid).Prepend(JobUid(runId, observation)));

    /// <summary>
    /// After each list of pods the follower has seen every pod that exists. A known pod missing from a
    /// re-list was deleted in the gap; it stays among the run's attempts, as a pod seen DELETED does
    /// (its last known state is the best there is), and the Job's own status says how the run goes on.
    /// </summary>
    private void OnPodsListed(Listing<V1Pod> listing)
    {
        lock (_gate)
        {
            _podsListed = true;
        }

        JudgeAll();
    }

    private void JudgeAll()
    {
        foreach (var runId in _runs.Keys)
        {
            Judge(runId);
        }
    }

    private string? RunIdOf(V1ObjectMeta metadata) =>
        metadata.Labels is { } labels && labels.TryGetValue(JobLabels.RunId, out var id) && _runs.ContainsKey(id) ? id : null;

    /// <summary>The run followed by its Job's UID (one without a run-id label), if any.</summary>
    private string? RunIdOfUid(string? uid) =>
        uid is not null && _runIdsByUid.TryGetValue(uid, out var runId) && Runs.RunIds.IsFromUid(runId) ? runId : null;

    /// <summary>Judges a run again; once it has ended, finishes it or hands it to the explainer.</summary>
    private void Judge(string runId)
    {
        if (FinalVerdict(runId) is not { } verdict)
        {
            return;
        }

        if (verdict.FailedInitContainer is not null || verdict.FailedByJob)
        {
            V1Job? job;
            List<Corev1Event> events;
            List<V1Pod> watched;
            lock (_gate)
            {
                job = _observations[runId].Job;
                events = EventsOf(runId, _observations[runId]);
                watched = [.. _observations[runId].Pods.Values];
            }

            _toExplain.Writer.TryWrite(new FailedRun(runId, verdict, job, events) { WatchedPods = watched });
            return;
        }

        V1Pod? lastPod;
        lock (_gate)
        {
            lastPod = RunObservation.Newest(_observations[runId].Pods.Values);
        }

        _board.Finish(_runs[runId], verdict, lastPod);
    }

    /// <summary>
    /// The verdict on a run that has ended, given once; null while it goes on, when the board gets its
    /// progress instead. The last run to end stops the watches.
    /// </summary>
    private RunVerdict? FinalVerdict(string runId)
    {
        lock (_gate)
        {
            var observation = _observations[runId];
            if (!_podsListed || !_pending.Contains(runId) || !observation.JobSeen)
            {
                return null;
            }

            var scheduling = new SchedulingPolicy(_autoscaler, _options.ScheduleGracePeriod, _options.ScaleUpTimeout);
            var verdict = RunEvaluator.Evaluate(observation.Job, observation.Pods.Values, EventsOf(runId, observation), _clock.UtcNow, scheduling);
            if (verdict.Reason == "JobDeleted" && observation.GoneBecause is { } because)
            {
                verdict = verdict with { Message = because };
            }

            if (verdict.AwaitingAutoscaler)
            {
                LookForAutoscaler();
            }

            if (WithinPullGracePeriod(observation, verdict) || WithinMissingObjectGracePeriod(observation, verdict))
            {
                _board.Update(_runs[runId], verdict with { Status = E2eRunStatus.Pending });
                return null;
            }

            if (verdict.Status is not (E2eRunStatus.Succeeded or E2eRunStatus.Failed))
            {
                _board.Update(_runs[runId], verdict);
                return null;
            }

            _pending.Remove(runId);
            if (_pending.Count == 0)
            {
                _allEnded.Cancel();
            }

            return verdict;
        }
    }

    /// <summary>Whether a volume's missing Secret or ConfigMap is still within its grace period (it may be being created), measured on the clock.</summary>
    private bool WithinMissingObjectGracePeriod(RunObservation observation, RunVerdict verdict)
    {
        if (!verdict.ObjectMissing)
        {
            observation.ObjectMissingSince = null;
            return false;
        }

        var now = _clock.UtcNow;
        observation.ObjectMissingSince ??= now;
        return now - observation.ObjectMissingSince < _options.MissingObjectGracePeriod;
    }

    /// <summary>Whether a failing image pull is still within its grace period (registries have hiccups), measured on the clock.</summary>
    private bool WithinPullGracePeriod(RunObservation observation, RunVerdict verdict)
    {
        if (!verdict.ImagePullFailing)
        {
            observation.PullFailingSince = null;
            return false;
        }

        var now = _clock.UtcNow;
        observation.PullFailingSince ??= now;
        return now - observation.PullFailingSince < _options.PullGracePeriod;
    }
}
