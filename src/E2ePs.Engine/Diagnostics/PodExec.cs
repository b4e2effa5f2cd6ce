using System.Net;
using System.Net.WebSockets;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using k8s;
using E2ePs.Engine.Manifests;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// Runs <see cref="DnsScript"/> in an existing pod through the exec API, as
/// "kubectl exec &lt;pod&gt; -- nslookup ..." does in the guide. Uses the pod's test container when it
/// has one, else its first container.
/// </summary>
public static class PodExec
{
    /// <summary>The output lines of the script; throws an E2eException when the pod is missing or exec fails.</summary>
    public static async Task<List<string>> RunAsync(ClusterConnection connection, string ns, string pod, string script, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        k8s.Models.V1Pod current;
        try
        {
            current = await connection.Client.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            throw new E2eException("PodNotFound", E2eErrorCategory.ObjectNotFound, pod,
                $"There is no pod {pod} in namespace {ns} on context '{connection.Identity.Context}'. The look-up from inside the cluster was skipped; the results come from the API only.", error)
            {
                RecommendedAction = $"List the pods with 'kubectl get pods -n {ns}', or leave out -Pod to look up from a probe pod.",
            };
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read pod {pod} in namespace {ns}", pod);
        }

        if (current.Status?.Phase != "Running")
        {
            throw new E2eException("PodNotRunning", E2eErrorCategory.InvalidOperation, pod,
                $"Pod {pod} in namespace {ns} is {current.Status?.Phase ?? "not running"}; exec needs a running pod. The look-up from inside the cluster was skipped; the results come from the API only.")
            {
                RecommendedAction = "Pass a running pod to -Pod, or leave out -Pod to look up from a probe pod.",
            };
        }

        var containers = current.Spec?.Containers ?? [];
        var container = containers.FirstOrDefault(c => c.Name == JobLabels.TestContainer)?.Name ?? containers.FirstOrDefault()?.Name ?? "";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var output = "";
        try
        {
            await connection.Client.NamespacedPodExecAsync(pod, ns, container, ["sh", "-c", script], false,
                async (stdIn, stdOut, stdErr) =>
                {
                    using var reader = new StreamReader(stdOut);
                    output = await reader.ReadToEndAsync(deadline.Token);
                },
                deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new E2eException("DnsExecTimedOut", E2eErrorCategory.OperationTimeout, pod,
                $"The look-up through exec in pod {pod} had not ended after {timeout.TotalSeconds:0} s; the results come from the API only.")
            {
                RecommendedAction = "Raise -Timeout, or leave out -Pod to look up from a probe pod.",
            };
        }
        catch (Exception error) when (error is WebSocketException or k8s.Autorest.HttpOperationException or k8s.KubernetesException or HttpRequestException or IOException)
        {
            var forbidden = KubernetesErrors.Is(error, HttpStatusCode.Forbidden) || error.Message.Contains("403", StringComparison.Ordinal);
            throw new E2eException(forbidden ? "DnsExecForbidden" : "DnsExecFailed", forbidden ? E2eErrorCategory.PermissionDenied : E2eErrorCategory.ConnectionError, pod,
                $"Cannot exec in container {container} of pod {pod} in namespace {ns} on context '{connection.Identity.Context}': {error.Message} The look-up from inside the cluster was skipped; the results come from the API only.", error)
            {
                RecommendedAction = forbidden
                    ? $"Ask for 'create pods/exec' in namespace {ns}, or leave out -Pod to look up from a probe pod."
                    : "Check that the API server allows exec (kubectl exec works), or leave out -Pod to look up from a probe pod.",
            };
        }

        return output.Split('\n').ToList();
    }
}
