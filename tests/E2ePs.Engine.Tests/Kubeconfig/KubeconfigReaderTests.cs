using System.Text.Json;
using E2ePs.Engine.Cluster;
using k8s;

namespace E2ePs.Engine.Tests.Kubeconfig;

/// <summary>
/// <see cref="KubeconfigReader"/> reads a kubeconfig into the same model as KubernetesClient's own
/// <c>LoadKubeConfig(file, useRelativePaths: true)</c>, which it replaces on the first call's path. The file uses every
/// field of client-go's clientcmd/api/v1 types.go that the model has (clusters, users with each kind of credential,
/// contexts, preferences, extensions).
/// </summary>
public sealed class KubeconfigReaderTests : IDisposable
{
    private const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: dev
        preferences: {}
        clusters:
        - name: dev
          cluster:
            server: https://dev.example:6443
            certificate-authority: certs/ca.crt
            tls-server-name: api.dev.example
            proxy-url: http://proxy.example:3128
        - name: prod
          cluster:
            server: https://prod.example
            certificate-authority-data: LS0tLS1CRUdJTg==
            insecure-skip-tls-verify: true
        users:
        - name: token
          user:
            token: abc.def
        - name: cert
          user:
            client-certificate: certs/client.crt
            client-key-data: S0VZ
        - name: exec
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: ./bin/get-token
              args: ["--cluster", "dev"]
              env:
              - name: REGION
                value: west
              interactiveMode: Never
        - name: basic
          user:
            username: admin
            password: secret
        contexts:
        - name: dev
          context:
            cluster: dev
            user: exec
            namespace: shop
        - name: prod
          context:
            cluster: prod
            user: token
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("e2eps-kubeconfig-");

    [Fact]
    public void Reads_the_same_model_as_KubernetesClient()
    {
        var file = Write("config", Kubeconfig);

        var ours = KubeconfigReader.Read(file);
        var theirs = KubernetesClientConfiguration.LoadKubeConfig(file, useRelativePaths: true);

        Assert.Equal(JsonSerializer.Serialize(theirs), JsonSerializer.Serialize(ours));
        Assert.Equal(file.FullName, ours.FileName);
        Assert.Equal("certs/ca.crt", ours.Clusters.First(c => c.Name == "dev").ClusterEndpoint.CertificateAuthority);
        Assert.Equal(["--cluster", "dev"], ours.Users.First(u => u.Name == "exec").UserCredentials.ExternalExecution.Arguments);
    }

    [Fact]
    public void Fields_a_newer_kubectl_writes_are_ignored()
    {
        var file = Write("newer", Kubeconfig.Replace("preferences: {}", "preferences: {}\nfuture-field: 1", StringComparison.Ordinal)
            .Replace("    server: https://prod.example", "    server: https://prod.example\n    disable-compression: true", StringComparison.Ordinal));

        var read = KubeconfigReader.Read(file);

        Assert.Equal("https://prod.example", read.Clusters.First(c => c.Name == "prod").ClusterEndpoint.Server);
    }

    [Fact]
    public void An_empty_file_is_a_kubeconfig_error_naming_the_file()
    {
        var file = Write("empty", "");

        var error = Assert.Throws<k8s.Exceptions.KubeConfigException>(() => KubeconfigReader.Read(file));

        Assert.Contains(file.FullName, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private FileInfo Write(string name, string text)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, text);
        return new FileInfo(path);
    }
}
