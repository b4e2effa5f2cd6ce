using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace E2ePs.Tests.Support;

/// <summary>
/// A TLS front on 127.0.0.1 for the emulator: it serves a certificate of its own CA, issued for the names
/// a test chooses (e.g. only DNS:evil.example), and forwards what a client sends after a completed
/// handshake to the emulator over a second TLS connection. It records every byte a client sent it in
/// clear, so a test can prove that nothing (no Authorization header) was sent when the client refused
/// the certificate.
/// </summary>
public sealed class TlsFront : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly SslStreamCertificateContext _context;
    private readonly Uri _upstream;
    private readonly X509Certificate2 _upstreamCa;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly MemoryStream _received = new();
    private int _handshakes;
    private int _refusedHandshakes;
    private int _upstreamConnections;

    private TlsFront(Uri upstream, X509Certificate2 upstreamCa, X509Certificate2 ca, X509Certificate2 certificate, X509Certificate2Collection presented)
    {
        _context = SslStreamCertificateContext.Create(certificate, presented, offline: true);
        _upstream = upstream;
        _upstreamCa = upstreamCa;
        Authority = ca;
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        ServerUri = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect.</summary>
    public Uri ServerUri { get; }

    /// <summary>The CA that signed the front's certificate (no private key needed by clients).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>TLS handshakes that completed on the front's side (with TLS 1.3, possibly before the client refused the certificate).</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>TLS handshakes the client broke off (it refused the certificate).</summary>
    public int RefusedHandshakes => Volatile.Read(ref _refusedHandshakes);

    /// <summary>Connections opened to the emulator.</summary>
    public int UpstreamConnections => Volatile.Read(ref _upstreamConnections);

    /// <summary>Everything clients sent after the handshake, as text.</summary>
    public string Received
    {
        get
        {
            lock (_received)
            {
                return Encoding.Latin1.GetString(_received.ToArray());
            }
        }
    }

    /// <summary>
    /// Starts a front for <paramref name="upstream"/> (whose certificate <paramref name="upstreamCa"/> signed) with a
    /// certificate that carries only <paramref name="dnsNames"/> and <paramref name="addresses"/>. With
    /// <paramref name="intermediate"/>, a root signs an intermediate CA that signs the certificate, the front
    /// presents the certificate and the intermediate, and <see cref="Authority"/> is the intermediate.
    /// </summary>
    public static TlsFront Start(Uri upstream, X509Certificate2 upstreamCa, IEnumerable<string> dnsNames, IEnumerable<IPAddress>? addresses = null, bool intermediate = false)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CaRequest("CN=tls-front-root", rootKey).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caWithKey = intermediate
            ? CaRequest("CN=tls-front-intermediate", caKey).Create(root, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(caKey)
            : CaRequest("CN=tls-front-ca", caKey).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=tls-front", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        foreach (var address in addresses ?? [])
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(caWithKey, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        var ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        var presented = intermediate ? new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(caWithKey.RawData)) : [];
        return new TlsFront(upstream, upstreamCa, ca, certificate, presented);
    }

    private static CertificateRequest CaRequest(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    /// <summary>
    /// Writes a kubeconfig for the front: the front's CA, the given token, and, when given,
    /// tls-server-name or insecure-skip-tls-verify.
    /// </summary>
    public string WriteKubeconfig(string path, string token, string? tlsServerName = null, bool insecure = false)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(Authority.ExportCertificatePem()));
        var text =
            "apiVersion: v1\n" +
            "kind: Config\n" +
            "clusters:\n" +
            "- name: front\n" +
            "  cluster:\n" +
            $"    server: {ServerUri.ToString().TrimEnd('/')}\n" +
            (insecure ? "    insecure-skip-tls-verify: true\n" : $"    certificate-authority-data: {ca}\n") +
            (tlsServerName is null ? "" : $"    tls-server-name: {tlsServerName}\n") +
            "users:\n" +
            "- name: front\n" +
            "  user:\n" +
            $"    token: {token}\n" +
            "contexts:\n" +
            "- name: front\n" +
            "  context:\n" +
            "    cluster: front\n" +
            "    user: front\n" +
            "    namespace: default\n" +
            "current-context: front\n";
        File.WriteAllText(path, text);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _certificate.Dispose();
        Authority.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        await using var tls = new SslStream(client.GetStream(), false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _context,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, _stop.Token);
        }
        catch (Exception error) when (error is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            Interlocked.Increment(ref _refusedHandshakes);
            return;
        }

        Interlocked.Increment(ref _handshakes);

        // The emulator is connected only once the client has sent something in clear: with TLS 1.3 this
        // side may finish its handshake before the client has checked the certificate and refused it.
        var first = new byte[16 * 1024];
        int read;
        try
        {
            read = await tls.ReadAsync(first, _stop.Token);
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            return;
        }

        if (read == 0)
        {
            return;
        }

        Record(first, read);
        using var upstreamClient = new TcpClient();
        try
        {
            await upstreamClient.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
            Interlocked.Increment(ref _upstreamConnections);
            await using var upstream = new SslStream(upstreamClient.GetStream(), false, TrustsUpstream);
            await upstream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _upstream.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, _stop.Token);
            await upstream.WriteAsync(first.AsMemory(0, read), _stop.Token);
            await upstream.FlushAsync(_stop.Token);
            var up = CopyAsync(tls, upstream, record: true);
            var down = CopyAsync(upstream, tls, record: false);
            await Task.WhenAny(up, down);
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
        }
    }

    private void Record(byte[] buffer, int count)
    {
        lock (_received)
        {
            _received.Write(buffer, 0, count);
        }
    }

    private bool TrustsUpstream(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_upstreamCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf) && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
    }

    private async Task CopyAsync(Stream from, Stream to, bool record)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (record)
                {
                    Record(buffer, read);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                await to.FlushAsync(_stop.Token);
            }
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
