using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>The troubleshooting half of the engine: Test-E2eDns and Get-E2eDiagnostic.</summary>
public interface IDiagnostics
{
    /// <summary>
    /// The hosts a job's environment names: every value that is a URL or a host name, with the port of
    /// the URL or of a matching *_PORT variable. Values that are neither are skipped.
    /// </summary>
    IReadOnlyList<DnsHost> HostsFromEnvironment(IReadOnlyDictionary<string, string> environment, string source);

    /// <summary>
    /// Checks each host from the API (Service, ports, ready EndpointSlice endpoints) and from inside the
    /// cluster (a name look-up in a short-lived probe Job, or through exec in an existing pod). Invalid
    /// hosts and a probe that cannot run are reported in <see cref="DnsReport.Errors"/>; the API-level
    /// checks still run. Throws when the cluster or the namespace cannot be used at all.
    /// </summary>
    Task<DnsReport> TestDnsAsync(DnsRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Collects the events, container states, init container log tails, ServiceAccount and RBAC of a
    /// job and names the first thing to fix. Throws JobNotFound or NamespaceNotFound when there is
    /// nothing to diagnose.
    /// </summary>
    Task<E2eDiagnostic> DiagnoseAsync(DiagnosticRequest request, CancellationToken cancellationToken);
}
