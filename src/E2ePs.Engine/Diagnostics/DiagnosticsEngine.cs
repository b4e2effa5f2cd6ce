using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>The troubleshooting half of the engine, as the cmdlets see it.</summary>
public sealed class DiagnosticsEngine(DnsTester dnsTester, JobDiagnoser diagnoser) : IDiagnostics
{
    /// <inheritdoc />
    public IReadOnlyList<DnsHost> HostsFromEnvironment(IReadOnlyDictionary<string, string> environment, string source) =>
        DnsHostParser.FromEnvironment(environment, source);

    /// <inheritdoc />
    public Task<DnsReport> TestDnsAsync(DnsRequest request, CancellationToken cancellationToken) =>
        dnsTester.TestAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<E2eDiagnostic> DiagnoseAsync(DiagnosticRequest request, CancellationToken cancellationToken) =>
        diagnoser.DiagnoseAsync(request, cancellationToken);
}
