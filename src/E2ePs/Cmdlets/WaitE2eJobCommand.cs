using System.Diagnostics;
using System.Management.Automation;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Wait-E2eJob: waits until each run has succeeded or failed, failing fast when a run cannot succeed,
/// and returns the final run. A run that did not succeed also writes a non-terminating error. Runs come
/// piped in (Start-E2eJob, Get-E2eRun) or by name: the newest run of each job (or the one -RunId gives),
/// found by the same rule as every cmdlet's -Name, so a step can wait for a run another process started.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "E2eJob", DefaultParameterSetName = RunSet, HelpUri = HelpLinks.Base + "Wait-E2eJob.md")]
[OutputType(typeof(E2eRun))]
public sealed class WaitE2eJobCommand : ClusterCmdlet
{
    private const string RunSet = "Run";
    private const string NameSet = "Name";
    private readonly List<E2eRun> _runs = [];

    /// <summary>Runs from Start-E2eJob or Get-E2eRun.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = RunSet)]
    public E2eRun[]? InputObject { get; set; }

    /// <summary>Short names (or Kubernetes names) of jobs: each means its newest run. An E2eJob piped in binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(Completion.JobNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The run to wait for, by its run id (or its Job's UID), instead of the newest.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? RunId { get; set; }

    /// <summary>Seconds to wait in all; runs still going on then end with status TimedOut. No limit by default.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Timeout { get; set; }

    /// <summary>Seconds an image pull may fail before the run is reported failed; 0 by default.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int PullGracePeriod { get; set; }

    /// <summary>
    /// Seconds a pod the scheduler cannot place may wait for a node autoscaler to decide to add a node (120 by default;
    /// 0 fails at once). A scale-up the autoscaler announces keeps the run pending until its node comes; a cluster
    /// without an autoscaler fails at once.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int ScheduleGracePeriod { get; set; } = (int)WaitOptions.DefaultScheduleGracePeriod.TotalSeconds;

    /// <summary>On Ctrl+C, delete the Jobs still running instead of leaving them to finish in the cluster.</summary>
    [Parameter]
    public SwitchParameter CleanupOnCancel { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == RunSet)
        {
            _runs.AddRange(InputObject ?? []);
            return;
        }

        foreach (var name in Name ?? [])
        {
            try
            {
                RunFinder.ParseName(name);
                var run = Await(Runs.NewestAsync(name, Target, RunId, CancellationToken));
                WriteVerbose($"{name} is run {run.RunId} ({run.Namespace}/{run.JobName}, started {run.StartTime:u}, {run.Status}).");
                if (!_runs.Any(r => r.Uid == run.Uid))
                {
                    _runs.Add(run);
                }
            }
            catch (E2eException error)
            {
                WriteE2eError(error);
            }
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_runs.Count == 0)
        {
            return;
        }

        var options = new WaitOptions
        {
            Timeout = Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            PullGracePeriod = TimeSpan.FromSeconds(PullGracePeriod),
            ScheduleGracePeriod = TimeSpan.FromSeconds(ScheduleGracePeriod),
        };
        DescribeWatches();
        var clock = Stopwatch.StartNew();
        var progress = new ProgressRecord(2, $"Waiting for {_runs.Count} E2E job(s)", "Listing");
        var unfinished = new HashSet<string>(_runs.Select(r => r.RunId), StringComparer.Ordinal);
        try
        {
            foreach (var update in Drain(Engine.Cluster.WaitAsync(_runs, options, CancellationToken)))
            {
                if (update.Finished is { } run)
                {
                    Finish(run, unfinished);
                }
                else
                {
                    progress = Progress(update, progress, clock);
                }
            }
        }
        catch (E2eException error)
        {
            ThrowE2eError(error);
        }
        finally
        {
            if (CancellationToken.IsCancellationRequested && CleanupOnCancel && unfinished.Count > 0)
            {
                CleanUp(unfinished);
            }
        }

        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    private void DescribeWatches()
    {
        foreach (var group in _runs.GroupBy(r => (r.Context, r.Server, r.Namespace)))
        {
            WriteVerbose($"Watching the Jobs and pods labelled e2eps.io/run-id of {group.Count()} run(s) in namespace {group.Key.Namespace} on context '{group.Key.Context}' ({group.Key.Server}): {string.Join(", ", group.Select(r => $"{r.JobName} (run {r.RunId})"))}{(Timeout is { } limit ? $"; for at most {limit} s" : "")}.");
        }
    }

    /// <summary>Writes a change and the counts; returns the record written.</summary>
    private ProgressRecord Progress(WaitUpdate update, ProgressRecord previous, Stopwatch clock)
    {
        if (update.Change is { } change)
        {
            WriteVerbose(change);
        }

        // A record of its own each time: a host that keeps records sees each state, not the last.
        var progress = new ProgressRecord(previous.ActivityId, previous.Activity,
            $"{update.Pending} pending, {update.Running} running, {update.Succeeded} succeeded, {update.Failed} failed ({clock.Elapsed:hh\\:mm\\:ss})")
        {
            PercentComplete = (update.Succeeded + update.Failed) * 100 / _runs.Count,
        };
        WriteProgress(progress);
        return progress;
    }

    private void Finish(E2eRun run, HashSet<string> unfinished)
    {
        // A run reported Cancelled is one the wait gave up on: it still runs in the cluster.
        if (run.Status != E2eRunStatus.Cancelled)
        {
            unfinished.Remove(run.RunId);
        }

        WriteVerbose($"{run.Namespace}/{run.JobName} (run {run.RunId}) ended: {run.Status}{(run.Reason is { } reason && reason != run.Status.ToString() ? $", {reason}" : "")}{(run.ExitCode is { } code ? $", exit code {code}" : "")}, {run.PodNames.Count} pod(s){(run.FailureKind != E2eFailureKind.None ? $", failure kind {run.FailureKind}" : "")}.");
        WriteObject(run);
        if (run.Status != E2eRunStatus.Succeeded)
        {
            WriteError(RunError(run));
        }
    }

    private void CleanUp(HashSet<string> unfinished)
    {
        // The pipeline is stopping: delete with a budget of our own, since the cmdlet's token is cancelled.
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var deletions = _runs.Where(r => unfinished.Contains(r.RunId)).Select(run =>
            Engine.Cluster.RemoveAsync(new ClusterTarget { Kubeconfig = run.Kubeconfig, Context = run.Context, Namespace = run.Namespace }, run.JobName, all: false, budget.Token));
        try
        {
            Task.WhenAll(deletions).Wait(budget.Token);
        }
        catch (Exception error) when (error is AggregateException or OperationCanceledException or E2eException)
        {
            // Best effort: a Job that could not be deleted ends by its own deadline and TTL.
        }
    }

    private static ErrorRecord RunError(E2eRun run) => ToErrorRecord(RunFailures.Error(run));
}
