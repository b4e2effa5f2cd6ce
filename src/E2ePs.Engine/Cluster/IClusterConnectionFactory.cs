using E2ePs.Contracts;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Where every component that talks to a cluster gets its client: the connection of a kubeconfig and
/// context. The implementation owns the one per-session cache of clients.
/// </summary>
public interface IClusterConnectionFactory
{
    /// <summary>The connection for <paramref name="target"/>, created on first use and reused after.</summary>
    ClusterConnection Get(ClusterTarget target);

    /// <summary>The context names of the kubeconfig files in use; empty when there are none or they cannot be read.</summary>
    IReadOnlyList<string> ContextNames(string? kubeconfig);
}
