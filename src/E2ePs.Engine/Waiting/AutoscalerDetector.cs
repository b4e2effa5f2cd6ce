using System.Net;
using E2ePs.Engine.Cluster;
using k8s;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// Finds out whether a cluster has a node autoscaler, from two facts upstream documents, with at most two requests
/// made once per wait and only when a pod is Unschedulable:
/// <list type="bullet">
/// <item>Cluster Autoscaler (also the one AKS, EKS and GKE run for their node pools) publishes its status in the
/// ConfigMap kube-system/cluster-autoscaler-status while it runs (kubernetes/autoscaler cluster-autoscaler/FAQ.md,
/// "How can I check what is going on in CA?"; --write-status-configmap is true by default).</item>
/// <item>Karpenter (also EKS Auto Mode and AKS node auto-provisioning) serves the API group karpenter.sh (NodePools,
/// NodeClaims), which discovery shows to every authenticated user.</item>
/// </list>
/// Either one is <see cref="AutoscalerPresence.Present"/>; a ConfigMap that is not found and no Karpenter group is
/// <see cref="AutoscalerPresence.Absent"/>; a ConfigMap E2ePs may not read (a user confined to a namespace) leaves it
/// <see cref="AutoscalerPresence.Unknown"/> unless Karpenter answers, so the grace period applies and nothing waits
/// forever.
/// </summary>
public static class AutoscalerDetector
{
    /// <summary>The namespace and name of Cluster Autoscaler's status ConfigMap (--namespace, --status-config-map-name).</summary>
    public const string StatusNamespace = "kube-system";

    /// <inheritdoc cref="StatusNamespace"/>
    public const string StatusConfigMap = "cluster-autoscaler-status";

    /// <summary>Karpenter's API group.</summary>
    public const string KarpenterGroup = "karpenter.sh";

    /// <summary>What the cluster behind <paramref name="client"/> has; never throws but for cancellation.</summary>
    public static async Task<AutoscalerPresence> DetectAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var clusterAutoscaler = await ClusterAutoscalerAsync(client, cancellationToken);
        if (clusterAutoscaler == AutoscalerPresence.Present)
        {
            return clusterAutoscaler;
        }

        var karpenter = await KarpenterAsync(client, cancellationToken);
        return karpenter == AutoscalerPresence.Present ? karpenter
            : clusterAutoscaler == AutoscalerPresence.Absent && karpenter == AutoscalerPresence.Absent ? AutoscalerPresence.Absent
            : AutoscalerPresence.Unknown;
    }

    private static async Task<AutoscalerPresence> ClusterAutoscalerAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.ReadNamespacedConfigMapAsync(StatusConfigMap, StatusNamespace, cancellationToken: cancellationToken);
            return AutoscalerPresence.Present;
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            return AutoscalerPresence.Absent;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // 403 for a user confined to a namespace, or any other failure: the grace period decides.
            return AutoscalerPresence.Unknown;
        }
    }

    private static async Task<AutoscalerPresence> KarpenterAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            var groups = await client.Apis.GetAPIVersionsAsync(cancellationToken);
            return groups.Groups?.Any(g => g.Name == KarpenterGroup) == true ? AutoscalerPresence.Present : AutoscalerPresence.Absent;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return AutoscalerPresence.Unknown;
        }
    }
}
