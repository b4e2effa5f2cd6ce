using System.Security.Cryptography.X509Certificates;

namespace E2ePs.KubeEmulator.Http;

/// <summary>Writes the kubeconfig clients use: cluster, user and context all named "emulator".</summary>
internal static class KubeconfigWriter
{
    /// <summary>The user entry of a bearer token (the lines under "user:").</summary>
    public static string TokenUser(string token) => $"    token: {token}\n";

    /// <summary>
    /// The user entry of an exec credential plugin (client.authentication.k8s.io/v1, as kubectl documents it in
    /// kubernetes/website content/en/docs/reference/access-authn-authz/authentication.md, "client-go credential plugins").
    /// </summary>
    public static string ExecUser(string command, IEnumerable<string> args)
    {
        var argList = string.Join(", ", args.Select(Quote));
        return "    exec:\n" +
               "      apiVersion: client.authentication.k8s.io/v1\n" +
               $"      command: {Quote(command)}\n" +
               $"      args: [{argList}]\n" +
               "      interactiveMode: Never\n";
    }

    public static void Write(string path, Uri server, string user, X509Certificate2? ca, string defaultNamespace, string? serverName = null)
    {
        var caLine = ca is null ? "" : $"    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(ca.ExportCertificatePem()))}\n";
        var nameLine = string.IsNullOrEmpty(serverName) ? "" : $"    tls-server-name: {serverName}\n";
        var text =
            "apiVersion: v1\n" +
            "kind: Config\n" +
            "clusters:\n" +
            "- name: emulator\n" +
            "  cluster:\n" +
            $"    server: {server.ToString().TrimEnd('/')}\n" +
            caLine +
            nameLine +
            "users:\n" +
            "- name: emulator\n" +
            "  user:\n" +
            user +
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

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
