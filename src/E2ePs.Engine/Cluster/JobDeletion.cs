using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Waiting;
using k8s;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Deleting a Job and watching it go: Remove-E2eJob's runs and Test-E2eDns's probe Job. Starting a run
/// deletes nothing (each run has a Job of its own), so this lives with the cluster calls, not the starter.
/// </summary>
public static class JobDeletion
{
    private static readonly TimeSpan s_deleteTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Deletes a Job and its pods (foreground) and returns once the Job is gone.</summary>
    public static async Task DeleteAndWaitAsync(ClusterConnection connection, string ns, string jobName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var client = connection.Client;
        try
        {
            await client.BatchV1.DeleteNamespacedJobAsync(jobName, ns, propagationPolicy: "Foreground", cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            return;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"delete Job {jobName} in namespace {ns}", jobName);
        }

        // Foreground deletion keeps the Job until its pods are gone; creating it again before then
        // is the race the hand-written "delete, then apply" runs into. Watch it go rather than poll.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_deleteTimeout);
        try
        {
            await WatchLoop.UntilGoneAsync(client, ns, jobName, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new E2eException("PreviousJobNotDeleted", E2eErrorCategory.OperationTimeout, jobName,
                $"The Job {jobName} in namespace {ns} was still being deleted after {s_deleteTimeout.TotalSeconds:0} s.")
            {
                RecommendedAction = $"Look for finalizers that keep it: kubectl get job {jobName} -n {ns} -o yaml.",
            };
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, connection, $"wait for the deletion of Job {jobName} in namespace {ns}", jobName);
        }
    }
}
