namespace E2ePs.Contracts;

/// <summary>
/// Which cluster to talk to: a kubeconfig (else KUBECONFIG, else ~/.kube/config, else the in-cluster
/// service account), a context (else the current one) and a namespace (else the job's, else the context's).
/// </summary>
public sealed class ClusterTarget
{
    /// <summary>Kubeconfig file(s), separated by the path separator as in KUBECONFIG.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Context name.</summary>
    public string? Context { get; set; }

    /// <summary>Namespace.</summary>
    public string? Namespace { get; set; }
}

/// <summary>The cluster a target resolved to.</summary>
/// <param name="Context">Context name (in-cluster for a pod's own service account).</param>
/// <param name="Server">API server URL.</param>
/// <param name="DefaultNamespace">The context's namespace, or "default".</param>
/// <param name="Kubeconfig">The kubeconfig file(s) it came from, or null.</param>
public sealed record ClusterIdentity(string Context, string Server, string DefaultNamespace, string? Kubeconfig);
