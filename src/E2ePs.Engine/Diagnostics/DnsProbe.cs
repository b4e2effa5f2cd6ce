using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using k8s;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Waiting;
using E2ePs.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// Runs <see cref="DnsScript"/> in a probe Job with the machinery of the test jobs: created like
/// Start-E2eJob creates Jobs, waited for by <see cref="JobWaiter"/> (which fails fast on an image that
/// cannot be pulled), read by <see cref="LogReader"/>, and always deleted, on Ctrl+C too.
/// </summary>
public sealed class DnsProbe(JobWaiter waiter, LogReader logReader, IClock clock)
{
    private static readonly TimeSpan s_cleanupBudget = TimeSpan.FromSeconds(10);

    /// <summary>The output lines of the script; throws an E2eException when the probe cannot run or fails.</summary>
    public async Task<List<string>> RunAsync(ClusterConnection connection, ClusterTarget target, string ns, string image, string script, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var runId = RunIds.New(clock.UtcNow);
        var name = "e2eps-dns-probe-" + runId[^6..];
        var job = DnsProbeJob.Create(name, ns, runId, image, script, timeout + TimeSpan.FromSeconds(30));
        k8s.Models.V1Job created;
        try
        {
            created = await connection.Client.BatchV1.CreateNamespacedJobAsync(job, ns, fieldManager: JobStarter.FieldManager, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            throw new E2eException("DnsProbeForbidden", E2eErrorCategory.PermissionDenied, ns,
                $"Cannot create the DNS probe Job in namespace {ns} on context '{connection.Identity.Context}': {KubernetesErrors.Translate(error, connection, "create Job", name).Message} The look-up from inside the cluster was skipped; the results come from the API only.", error)
            {
                RecommendedAction = $"Ask for 'create jobs' and 'get pods/log' in namespace {ns}, or pass -Pod with a running pod to look the names up through exec.",
            };
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"create the DNS probe Job {name} in namespace {ns}", name);
        }

        try
        {
            var run = new E2eRun
            {
                Name = name,
                JobName = name,
                Namespace = ns,
                Context = connection.Identity.Context,
                Kubeconfig = connection.Identity.Kubeconfig,
                Server = connection.Identity.Server,
                RunId = runId,
                Uid = created.Metadata.Uid,
                Image = image,
            };
            E2eRun? finished = null;
            await foreach (var update in waiter.WaitAsync([run], new WaitOptions { Timeout = timeout }, cancellationToken))
            {
                finished = update.Finished ?? finished;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (finished is null || finished.Status != E2eRunStatus.Succeeded)
            {
                var timedOut = finished?.Status == E2eRunStatus.TimedOut;
                throw new E2eException(timedOut ? "DnsProbeTimedOut" : "DnsProbeFailed", timedOut ? E2eErrorCategory.OperationTimeout : E2eErrorCategory.ResourceUnavailable, name,
                    $"The DNS probe Job {name} in namespace {ns} did not succeed ({finished?.Reason}): {finished?.Message} The look-up from inside the cluster was skipped; the results come from the API only.")
                {
                    RecommendedAction = timedOut
                        ? "Raise -Timeout, or check with Get-E2eDiagnostic why pods of this namespace do not start."
                        : "Pass -ProbeImage with an image the cluster can pull that has sh and nslookup (busybox has both), or -Pod with a running pod.",
                };
            }

            var lines = new List<string>();
            var logs = new LogRequest { Target = new ClusterTarget { Kubeconfig = target.Kubeconfig, Context = target.Context, Namespace = ns }, JobName = name, Uid = created.Metadata.Uid };
            await foreach (var line in logReader.ReadAsync(logs, cancellationToken))
            {
                lines.Add(line.Message);
            }

            return lines;
        }
        finally
        {
            await DeleteAsync(connection, ns, name, waitUntilGone: !cancellationToken.IsCancellationRequested);
        }
    }

    /// <summary>
    /// Deletes the probe with a budget of its own, since the caller's token may be cancelled already.
    /// After Ctrl+C it only sends the delete (background propagation: the cluster removes the pod), so
    /// the command still returns at once; otherwise it waits until the Job and its pod are gone.
    /// </summary>
    private static async Task DeleteAsync(ClusterConnection connection, string ns, string name, bool waitUntilGone)
    {
        using var budget = new CancellationTokenSource(s_cleanupBudget);
        try
        {
            if (waitUntilGone)
            {
                await JobDeletion.DeleteAndWaitAsync(connection, ns, name, budget.Token);
            }
            else
            {
                await connection.Client.BatchV1.DeleteNamespacedJobAsync(name, ns, propagationPolicy: "Background", cancellationToken: budget.Token);
            }
        }
        catch (Exception error) when (error is E2eException or OperationCanceledException or k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
        {
            // Best effort: the probe's deadline and TTL remove it if this delete could not.
        }
    }
}
