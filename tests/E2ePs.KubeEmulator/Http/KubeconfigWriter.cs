using System.Security.Cryptography.X509Certificates;

namespace E2ePs.KubeEmulator.Http;

/// <summary>Writes the kubeconfig clients use: cluster, user and context all named "emulator".</summary>
internal static class KubeconfigWriter
{
    public static void Write(string path, Uri server, string token, X509Certificate2? ca, string defaultNamespace)
    {
        var caLine = ca is null ? "" : $"    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(ca.ExportCertificatePem()))}\n";
        var text =
            "apiVersion: v1\n" +
            "kind: Config\n" +
            "clusters:\n" +
            "- name: emulator\n" +
            "  cluster:\n" +
            $"    server: {server.ToString().TrimEnd('/')}\n" +
            caLine +
            "users:\n" +
            "- name: emulator\n" +
            "  user:\n" +
            $"    token: {token}\n" +
            "contexts:\n" +
            "- name: emulator\n" +
            "  context:\n" +
            "    cluster: emulator\n" +
            "    user: emulator\n" +
            $"    namespace: {defaultNamespace}\n" +
            "current-context: emulator\n";
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, text);
    }
}
