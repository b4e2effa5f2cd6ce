namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// A host to check, parsed: the Service it names (when it is a cluster name) and the name to look up.
/// </summary>
/// <param name="Host">The host as given, lower-cased, without a trailing dot.</param>
/// <param name="Service">Service name, or null for a host outside the cluster.</param>
/// <param name="Namespace">Namespace of the Service, or null.</param>
/// <param name="ClusterName">The Service's full name (svc.ns.svc.cluster.local), or the host itself.</param>
/// <param name="Port">Port to check, or null.</param>
/// <param name="Source">Where the host came from.</param>
/// <param name="Ambiguous">A two-label name such as "github.com": a Service "github" in namespace "com" if that namespace exists, else an outside host.</param>
public sealed record DnsTarget(string Host, string? Service, string? Namespace, string ClusterName, int? Port, string Source, bool Ambiguous)
{
    /// <summary>Whether the host names a Service of the cluster.</summary>
    public bool IsService => Service is not null;

    /// <summary>The same host, read as a name outside the cluster.</summary>
    public DnsTarget AsExternal() => this with { Service = null, Namespace = null, ClusterName = Host, Ambiguous = false };
}
