using E2ePs.Contracts;
using k8s;

namespace E2ePs.Engine.Cluster;

/// <summary>A Kubernetes client for one kubeconfig and context, shared by every cmdlet of the process.</summary>
public sealed class ClusterConnection
{
    internal ClusterConnection(IKubernetes client, ClusterIdentity identity, TlsVerifier? tls = null, int listPageSize = ListPages.PageSize)
    {
        ListPageSize = listPageSize;
        Client = client;
        Identity = identity;
        Tls = tls;
    }

    /// <summary>What checks the server's certificate; null with insecure-skip-tls-verify or plain HTTP.</summary>
    public TlsVerifier? Tls { get; }

    /// <summary>The limit of each page of a list (<see cref="ListPages"/>), as kubectl's --chunk-size.</summary>
    public int ListPageSize { get; }

    /// <summary>The client.</summary>
    public IKubernetes Client { get; }

    /// <summary>Which cluster and context this is.</summary>
    public ClusterIdentity Identity { get; }

    /// <summary>The namespace to use: the given one, else the job's, else the context's.</summary>
    public string NamespaceFor(string? requested, string? fromJob = null) =>
        !string.IsNullOrEmpty(requested) ? requested : !string.IsNullOrEmpty(fromJob) ? fromJob : Identity.DefaultNamespace;
}
