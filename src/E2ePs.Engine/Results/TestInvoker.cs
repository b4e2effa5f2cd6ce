using System.Runtime.CompilerServices;
using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Results;

/// <summary>
/// Invoke-E2eTest's engine: for each job, build (optionally), then start, wait, follow the log
/// (optionally), read the report and classify the outcome, and retry what a retry can fix. Jobs run
/// at most ThrottleLimit at a time; everything they report goes through one channel to the caller,
/// who writes it on the pipeline thread. Each attempt goes through the same starter, waiter and log
/// reader as Start-E2eJob, Wait-E2eJob and Get-E2eLog.
/// </summary>
public sealed class TestInvoker(IImageBuilder images, IClusterConnectionFactory connections, JobStarter starter, JobWaiter waiter, LogReader logReader, ResultReader resultReader, IClock clock)
{
    // After the wait, a followed log may still be delivering its last lines (the report among them): it
    // is given this long without a new line before it is stopped. A log that resumes through many cuts
    // keeps delivering long after the container ended, and must not be stopped while it does.
    private static readonly TimeSpan s_logDrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Refuses options that cannot work, before anything starts.</summary>
    public static void Validate(InvokeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        E2ePs.Validation.ValueRules.RetryCount(options.RetryCount);

        if (options.ThrottleLimit < 1)
        {
            throw new E2eException("InvalidThrottleLimit", E2eErrorCategory.InvalidArgument, options.ThrottleLimit,
                $"The throttle limit {options.ThrottleLimit} is below 1: no job could run.") { RecommendedAction = "Pass -ThrottleLimit 1 or more." };
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            throw new E2eException("InvalidRetryDelay", E2eErrorCategory.InvalidArgument, options.RetryDelay,
                $"The retry delay {options.RetryDelay} is negative.") { RecommendedAction = "Pass -RetryDelay 0 or more seconds." };
        }
    }

    /// <summary>Runs every request; see <see cref="ITestResults.InvokeAsync"/>.</summary>
    public async IAsyncEnumerable<InvokeUpdate> InvokeAsync(IReadOnlyList<InvokeRequest> requests, InvokeOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        Validate(options);
        var channel = Channel.CreateUnbounded<InvokeUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var throttle = new SemaphoreSlim(options.ThrottleLimit);
        var all = Task.WhenAll(requests.Select(r => RunRequestAsync(r, options, channel.Writer, throttle, cancellationToken)));
        _ = all.ContinueWith(
            task =>
            {
                throttle.Dispose();
                channel.Writer.TryComplete(task.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        await foreach (var update in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            yield return update;
        }
    }

    private async Task RunRequestAsync(InvokeRequest request, InvokeOptions options, ChannelWriter<InvokeUpdate> updates, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        try
        {
            await throttle.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            var start = request.Start;
            if (options.Build)
            {
                var image = await BuildAsync(request, options, updates, cancellationToken);
                start = new StartJobRequest { Target = start.Target, ManifestPath = start.ManifestPath, Job = start.Job, Image = image.Reference, Branch = start.Branch, Env = start.Env, Commit = start.Commit, Verbose = start.Verbose, Warning = start.Warning };
            }

            for (var attempt = 1; ; attempt++)
            {
                var run = await starter.StartAsync(start, cancellationToken);
                run.Attempt = attempt;
                if (attempt == 1 && run.Commit is { } pinned)
                {
                    // Each retry is a new run of the very commit the first attempt resolved, even if the branch moved since.
                    start = new StartJobRequest { Target = start.Target, ManifestPath = start.ManifestPath, Job = start.Job, Image = start.Image, Branch = start.Branch, Env = start.Env, Commit = pinned, Verbose = start.Verbose, Warning = start.Warning };
                }

                updates.TryWrite(new InvokeUpdate.Started(run, attempt));
                var final = await RunAttemptAsync(run, options, updates, cancellationToken);
                var retryable = final.FailureKind == E2eFailureKind.Infrastructure
                    || (options.RetryTestFailures && final.FailureKind == E2eFailureKind.TestFailure);
                if (!retryable || attempt > options.RetryCount)
                {
                    string? file = null;
                    try
                    {
                        file = SaveReport(final, options.ResultPath);
                    }
                    catch (E2eException error)
                    {
                        // The run's outcome still counts; only its file is missing.
                        updates.TryWrite(new InvokeUpdate.ReportError(final, error));
                    }

                    updates.TryWrite(new InvokeUpdate.Finished(final, file));
                    return;
                }

                updates.TryWrite(new InvokeUpdate.Retrying(final, attempt, options.RetryDelay));
                await Task.Delay(options.RetryDelay, cancellationToken);
            }
        }
        catch (E2eException error)
        {
            updates.TryWrite(new InvokeUpdate.Failed(request.JobName, error));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            throttle.Release();
        }
    }

    private async Task<E2eImage> BuildAsync(InvokeRequest request, InvokeOptions options, ChannelWriter<InvokeUpdate> updates, CancellationToken cancellationToken)
    {
        if (request.Start.Job is not { } job)
        {
            throw new E2eException("BuildNeedsJob", E2eErrorCategory.InvalidArgument, request.JobName,
                $"Cannot build the image of {request.JobName}: it was given as a bare manifest, so its Dockerfile and build context are unknown.")
            {
                RecommendedAction = "Pass the job by -Name from the repository root, or pipe it from Get-E2eJob, to use -Build.",
            };
        }

        var plan = images.Plan(new ImageBuildRequest { Job = job, Push = options.Push });
        updates.TryWrite(new InvokeUpdate.Building(request.JobName, plan.BuildCommandLine));
        var operation = images.Start(plan, cancellationToken);
        await foreach (var item in operation.Events.ReadAllAsync(cancellationToken))
        {
            updates.TryWrite(new InvokeUpdate.Building(request.JobName, item.Text));
        }

        return await operation.Completion;
    }

    private async Task<E2eRun> RunAttemptAsync(E2eRun run, InvokeOptions options, ChannelWriter<InvokeUpdate> updates, CancellationToken cancellationToken)
    {
        var target = new ClusterTarget { Kubeconfig = run.Kubeconfig, Context = run.Context, Namespace = run.Namespace };
        var extractor = new ReportExtractor();
        using var stopFollowing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lastLine = new StrongBox<long>(clock.TickCount64);
        // The report is always read from the followed log, shown or not: a follow goes on across the kubelet's log
        // rotations, where a read after the end sees only the last file (docs/architecture.md, "Reports and rotation"),
        // and a pod deleted at its deadline or evicted is gone with its log once the Job says Failed, so the report it
        // wrote before the kill is read as it comes.
        var follow = FollowAsync(run, target, extractor, updates, lastLine, options.FollowLogs, stopFollowing.Token);

        var final = run.Clone();
        var wait = new WaitOptions { Timeout = options.Timeout, PullGracePeriod = options.PullGracePeriod, ScheduleGracePeriod = options.ScheduleGracePeriod };
        try
        {
            await foreach (var update in waiter.WaitAsync([run], wait, cancellationToken))
            {
                if (update.Finished is { } finished)
                {
                    final = finished;
                }
            }
        }
        catch
        {
            // The wait failed (the cluster went away): the follow must not outlive this attempt.
            await stopFollowing.CancelAsync();
            await follow.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        final.Attempt = run.Attempt;
        var testRan = final.ExitCode is not null && final.Status is E2eRunStatus.Succeeded or E2eRunStatus.Failed;
        var followedToEnd = await EndFollowAsync(follow, testRan, lastLine, stopFollowing, final, updates, options.FollowLogs, cancellationToken);

        ResultReading? reading = null;
        if (testRan)
        {
            try
            {
                // The followed stream has the report when it reached the end; otherwise read it again.
                reading = followedToEnd ? extractor.ToReading(final) : await resultReader.ExtractAsync(final, target, cancellationToken);
            }
            catch (E2eException error)
            {
                updates.TryWrite(new InvokeUpdate.Warning(final, LogUnreadable(final, error)));
            }
        }

        final.TestResult = reading?.Result;
        if (reading?.Problem is { } problem)
        {
            updates.TryWrite(problem.ErrorId == "NoTestReport" ? new InvokeUpdate.Warning(final, problem) : new InvokeUpdate.ReportError(final, problem));
        }

        var lastPod = final.Status == E2eRunStatus.Failed ? await LastPodAsync(final, cancellationToken) : null;
        final.FailureKind = FailureClassifier.Classify(final, lastPod, final.TestResult);
        return final;
    }

    private async Task FollowAsync(E2eRun run, ClusterTarget target, ReportExtractor extractor, ChannelWriter<InvokeUpdate> updates, StrongBox<long> lastLine, bool show, CancellationToken cancellationToken)
    {
        // Not shown: only the test container's log, which holds the report.
        var request = new LogRequest { Target = target, JobName = run.JobName, Uid = run.Uid, Follow = true, Container = show ? null : JobLabels.TestContainer };
        await foreach (var line in logReader.ReadAsync(request, cancellationToken))
        {
            Volatile.Write(ref lastLine.Value, clock.TickCount64);
            if (extractor.Accept(line) && show)
            {
                updates.TryWrite(new InvokeUpdate.Log(run, line));
            }
        }
    }

    /// <summary>
    /// Lets the followed log deliver its last lines when the test container ran, or stops it when it
    /// never will (an image that cannot be pulled has no log to end). True when it reached the end.
    /// </summary>
    private async Task<bool> EndFollowAsync(Task follow, bool testRan, StrongBox<long> lastLine, CancellationTokenSource stopFollowing, E2eRun final, ChannelWriter<InvokeUpdate> updates, bool shown, CancellationToken cancellationToken)
    {
        Volatile.Write(ref lastLine.Value, Math.Max(Volatile.Read(ref lastLine.Value), clock.TickCount64));
        while (testRan && !follow.IsCompleted)
        {
            var quiet = TimeSpan.FromMilliseconds(clock.TickCount64 - Volatile.Read(ref lastLine.Value));
            if (quiet >= s_logDrainTimeout)
            {
                break;
            }

            try
            {
                await follow.WaitAsync(s_logDrainTimeout - quiet, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // Reported below, from the task itself.
            }
        }

        var reachedEnd = follow.IsCompletedSuccessfully;
        await stopFollowing.CancelAsync();
        try
        {
            await follow;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        catch (E2eException error) when (shown)
        {
            updates.TryWrite(new InvokeUpdate.Warning(final, LogUnreadable(final, error)));
        }
        catch (E2eException)
        {
            // Not shown: the report is read again after the end, which reports its own failure.
        }

        if (shown)
        {
            updates.TryWrite(new InvokeUpdate.LogEnded(final));
        }

        return reachedEnd;
    }

    private static E2eException LogUnreadable(E2eRun run, E2eException error) =>
        new("LogUnreadable", error.Category, run, $"The log of {run.Namespace}/{run.JobName} could not be read, so its test results are unknown: {error.Message}", error)
        {
            RecommendedAction = error.RecommendedAction,
        };

    private async Task<V1Pod?> LastPodAsync(E2eRun run, CancellationToken cancellationToken)
    {
        try
        {
            var connection = connections.Get(new ClusterTarget { Kubeconfig = run.Kubeconfig, Context = run.Context });
            var pods = await ListPages.PodsAsync(connection.Client, run.Namespace, $"{JobLabels.RunId}={run.RunId}", cancellationToken, connection.ListPageSize);
            return pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).LastOrDefault();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Only refines the classification: without the pod, a failure counts as the test's own.
            return null;
        }
    }

    private static string? SaveReport(E2eRun run, string? folder)
    {
        if (folder is null || run.TestResult?.Report is null)
        {
            return null;
        }

        // Named after the definition, not the run: a CI system finds the same file whatever the run suffix.
        var path = Path.Combine(folder, $"TEST-{(run.Job?.JobName is { Length: > 0 } name ? name : run.JobName)}.xml");
        TestResults.Save(run.TestResult, path);
        return path;
    }
}
