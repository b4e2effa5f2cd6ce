namespace E2ePs.Models;

/// <summary>
/// What Test-E2eDns found out about one host a test needs: whether its Service exists and has ready
/// endpoints, whether the name resolves from inside the cluster, and whether the port is served.
/// A null value means the check did not run (an external host has no Service; a probe that could not
/// be started resolves nothing).
/// </summary>
public sealed class E2eDnsResult
{
    /// <summary>The host as given: a name, or the host of a URL.</summary>
    public string Host { get; set; } = "";

    /// <summary>The name that was looked up: the Service's full cluster name, or the external name.</summary>
    public string LookupName { get; set; } = "";

    /// <summary>Where the host came from: "-HostName", or the environment variable of a job.</summary>
    public string Source { get; set; } = "";

    /// <summary>Namespace of the Service; null for a host outside the cluster.</summary>
    public string? Namespace { get; set; }

    /// <summary>Name of the Service; null for a host outside the cluster.</summary>
    public string? Service { get; set; }

    /// <summary>The port to check, from -Port, the URL or a matching *_PORT variable; null when none is known.</summary>
    public int? Port { get; set; }

    /// <summary>Whether the Service exists; null for a host outside the cluster.</summary>
    public bool? ServiceFound { get; set; }

    /// <summary>The Service's ports, such as "8000/TCP" or "http:8000/TCP".</summary>
    public IReadOnlyList<string> Ports { get; set; } = [];

    /// <summary>Endpoints of the Service that are ready, counted over its EndpointSlices; null when not checked.</summary>
    public int? ReadyEndpoints { get; set; }

    /// <summary>Whether the name resolved from inside the cluster; null when no look-up ran.</summary>
    public bool? Resolved { get; set; }

    /// <summary>The addresses the name resolved to.</summary>
    public IReadOnlyList<string> Addresses { get; set; } = [];

    /// <summary>
    /// Whether the Service can take connections: it exists, serves the port (when one is known) and has
    /// a ready endpoint, and its name resolves. Judged from the API and the DNS answer; no TCP
    /// connection is made. Null for a host outside the cluster.
    /// </summary>
    public bool? Reachable { get; set; }

    /// <summary>How the name was resolved: "probe pod &lt;name&gt;", "exec in pod &lt;name&gt;", or "not resolved (reason)".</summary>
    public string ResolvedBy { get; set; } = "";

    /// <summary>The first thing wrong with this host, in words; null when every check that ran passed.</summary>
    public string? Error { get; set; }

    /// <summary>Kubeconfig context used.</summary>
    public string Context { get; set; } = "";

    /// <inheritdoc />
    public override string ToString() => Port is { } port ? $"{Host}:{port}" : Host;
}
