using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace E2ePs.KubeEmulator.Http;

/// <summary>
/// A throwaway CA and a server certificate for 127.0.0.1/localhost, made at start (as kubeadm would, in miniature);
/// with a server name, for that name only, so a client must check the name tls-server-name gives.
/// </summary>
internal static class Certificates
{
    public static (X509Certificate2 Ca, X509Certificate2 Server) Create(string? serverName = null)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=kube-emulator-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (string.IsNullOrEmpty(serverName))
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            san.AddDnsName("kubernetes");
            san.AddDnsName("kubernetes.default.svc");
        }
        else
        {
            san.AddDnsName(serverName);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca, now.AddMinutes(-5), now.AddDays(7), serial);
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return (ca, server);
    }
}
