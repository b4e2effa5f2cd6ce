using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Verifies the API server's certificate as kubectl does: the chain must end at the kubeconfig's CA
/// (or, without one, at a root the system trusts), the certificate must be valid for server
/// authentication, and it must be issued for the server's host name, or for <c>tls-server-name</c>
/// when the kubeconfig sets it.
/// </summary>
/// <remarks>
/// KubernetesClient's own callback (<c>Kubernetes.CertificateValidationCallBack</c> in
/// kubernetes-client/csharp, src/KubernetesClient/Kubernetes.ConfigInit.cs) rebuilds the chain with the
/// kubeconfig CA when there are chain errors and then returns only whether the chain is trusted: a
/// <see cref="SslPolicyErrors.RemoteCertificateNameMismatch"/> reported alongside is dropped, so a
/// certificate of that CA for any other name is accepted and the bearer token is sent to it. kubectl
/// (Go's crypto/tls with client-go's transport, k8s.io/client-go/transport/transport.go, which puts
/// the kubeconfig CA in RootCAs and tls-server-name in ServerName) refuses it. This class replaces that
/// callback on every connection the client makes: the HTTP handler (every API call and every log
/// stream) and the WebSocket that exec opens. The handshake fails before a byte of HTTP, so no
/// credential reaches a server that fails verification.
/// </remarks>
public sealed class TlsVerifier
{
    private static readonly Oid s_serverAuth = new("1.3.6.1.5.5.7.3.1");
    private readonly X509Certificate2Collection? _authorities;
    private string? _lastFailure;

    /// <summary>Creates a verifier for <paramref name="server"/>.</summary>
    /// <param name="server">The server URL of the kubeconfig's cluster.</param>
    /// <param name="authorities">The kubeconfig's CA certificates; null or empty trusts the system's roots.</param>
    /// <param name="serverName">tls-server-name, the name the certificate must carry instead of the URL's host.</param>
    public TlsVerifier(Uri server, X509Certificate2Collection? authorities, string? serverName)
    {
        ArgumentNullException.ThrowIfNull(server);
        _authorities = authorities is { Count: > 0 } ? authorities : null;
        ExpectedName = !string.IsNullOrEmpty(serverName)
            ? serverName
            : server.HostNameType == UriHostNameType.IPv6 ? server.Host.Trim('[', ']') : server.IdnHost;
    }

    /// <summary>The name the server certificate must be issued for.</summary>
    public string ExpectedName { get; }

    /// <summary>Why the last certificate was refused, for the error message; null when none was.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>The callback for <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var failure = Check(certificate, chain, errors);
        if (failure is not null)
        {
            Volatile.Write(ref _lastFailure, failure);
            return false;
        }

        return true;
    }

    private string? Check(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "the server sent no certificate";
        }

        using var owned = certificate as X509Certificate2 is null ? new X509Certificate2(certificate) : null;
        var leaf = owned ?? (X509Certificate2)certificate;
        if (_authorities is null)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return $"the certificate of '{leaf.Subject}' is not signed by an authority this machine trusts, and the kubeconfig names no certificate-authority";
            }
        }
        else
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
            chain.ChainPolicy.ExtraStore.AddRange(_authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(s_serverAuth);
            if (presented is not null)
            {
                // The intermediates the server sent.
                chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            }

            if (!chain.Build(leaf) && !EndsAtAuthority(chain))
            {
                var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                return $"the certificate of '{leaf.Subject}' does not chain to the kubeconfig's certificate-authority ({why})";
            }
        }

        // As Go's crypto/x509 VerifyHostname: subject alternative names only, no common-name fallback.
        if (!leaf.MatchesHostname(ExpectedName, allowWildcards: true, allowCommonName: false))
        {
            return $"the certificate is valid for {Names(leaf)}, not for '{ExpectedName}'";
        }

        return null;
    }

    /// <summary>
    /// Go's verifier takes every certificate of the kubeconfig's CA data as a trust anchor, an
    /// intermediate too (crypto/x509: a chain may end at any certificate of Roots); .NET's custom root
    /// trust wants a self-signed root. A chain that reaches one of the kubeconfig's certificates, and whose
    /// only faults are that its root is unknown or missing, is trusted as Go would trust it.
    /// </summary>
    private bool EndsAtAuthority(X509Chain chain)
    {
        var onlyRootFaults = chain.ChainStatus.All(s => s.Status is X509ChainStatusFlags.NoError or X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain);
        return onlyRootFaults && chain.ChainElements.Any(e => _authorities!.Any(a => a.RawData.AsSpan().SequenceEqual(e.Certificate.RawData)));
    }

    private static string Names(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames().Select(n => "DNS:" + n));
                names.AddRange(san.EnumerateIPAddresses().Select(a => "IP:" + a));
            }
        }

        return names.Count == 0 ? "no name (it has no subject alternative names)" : string.Join(", ", names);
    }

    /// <summary>
    /// The WebSocket builder of exec: KubernetesClient sets its own callback on it
    /// (<c>ExpectServerCertificate</c>, which is not virtual) just before connecting, so the verifier is put
    /// back at the last moment.
    /// </summary>
    internal sealed class VerifiedWebSocketBuilder(TlsVerifier verifier) : WebSocketBuilder
    {
        public override Task<System.Net.WebSockets.WebSocket> BuildAndConnectAsync(Uri uri, CancellationToken cancellationToken)
        {
            Options.RemoteCertificateValidationCallback = verifier.Validate;
            return base.BuildAndConnectAsync(uri, cancellationToken);
        }
    }
}
