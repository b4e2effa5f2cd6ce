using E2ePs.Engine.Platform;
using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Results;

/// <summary>
/// Get-E2eResult's engine: the run's status from its Job and pods (one read, one list), and its
/// report from the test container's log, streamed through a <see cref="ReportExtractor"/>.
/// </summary>
public sealed class ResultReader(IClusterConnectionFactory connections, LogReader logReader, IClock clock)
{
    /// <summary>Reads the results of the Job <see cref="ResultRequest.JobName"/>.</summary>
    public async Task<ResultReading> ReadAsync(ResultRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = connections.Get(request.Target);
        var ns = connection.NamespaceFor(request.Target.Namespace);
        var job = await ReadJobAsync(connection, ns, request.JobName, cancellationToken);
        RunIdentity.EnsureSameRun(job, request.Uid, ns, request.JobName);

        var pods = await ListPages.PodsAsync(connection, ns, $"batch.kubernetes.io/controller-uid={job.Metadata.Uid}", $"list the pods of Job {request.JobName} in namespace {ns}", request.JobName, cancellationToken);
        var verdict = RunEvaluator.Evaluate(job, pods, [], clock.UtcNow);
        var run = new E2eRun
        {
            Name = JobNames.ShortName(request.JobName) ?? request.JobName,
            JobName = request.JobName,
            Namespace = ns,
            Context = connection.Identity.Context,
            Server = connection.Identity.Server,
            RunId = job.Metadata.Labels is { } labels && labels.TryGetValue(JobLabels.RunId, out var id) ? id : "",
            Uid = job.Metadata.Uid,
            Status = verdict.Status,
            Reason = verdict.Reason,
            Message = verdict.Message,
            ExitCode = verdict.ExitCode,
            PodNames = verdict.PodNames,
        };
        return await ExtractAsync(run, new ClusterTarget { Kubeconfig = request.Target.Kubeconfig, Context = request.Target.Context, Namespace = ns }, cancellationToken);
    }

    /// <summary>Streams the test container's log of <paramref name="run"/> through an extractor and reads what it found.</summary>
    public async Task<ResultReading> ExtractAsync(E2eRun run, ClusterTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var extractor = new ReportExtractor();
        var logs = new LogRequest { Target = target, JobName = run.JobName, Uid = run.Uid, Container = JobLabels.TestContainer };
        await foreach (var line in logReader.ReadAsync(logs, cancellationToken))
        {
            extractor.Accept(line);
        }

        return extractor.ToReading(run);
    }

    private static async Task<V1Job> ReadJobAsync(ClusterConnection connection, string ns, string jobName, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            throw new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, jobName,
                $"There is no Job {jobName} in namespace {ns} on context '{connection.Identity.Context}': its results went with it.", error)
            {
                RecommendedAction = "Check the name and -Namespace; a finished Job is deleted after its ttlSecondsAfterFinished, so save results with -OutFile (or Invoke-E2eTest -ResultPath) before then.",
            };
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read Job {jobName} in namespace {ns}", jobName);
        }
    }
}
