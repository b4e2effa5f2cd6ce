using E2ePs.Contracts;
using E2ePs.Tests.Support;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Exec credential plugins run as client-go runs them, and a plugin that fails is one clear error that
/// names the command, its exit code and its stderr; auth-providers kubectl removed are refused with the
/// plugin to use instead. The plugins are real bash scripts.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CredentialPluginTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    /// <summary>A kubeconfig for the emulator whose user is <paramref name="user"/> (YAML under "user:", indented four spaces).</summary>
    private async Task<string> KubeconfigWithUserAsync(string name, string user)
    {
        var text = await File.ReadAllTextAsync(cluster.Emulator.KubeconfigPath);
        var path = Path.Combine(cluster.RepositoryRoot, $"{name}-{Guid.NewGuid():N}.kubeconfig");
        await File.WriteAllTextAsync(path, text.Replace($"    token: {cluster.Emulator.Token}\n", user, StringComparison.Ordinal));
        return path;
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(cluster.RepositoryRoot, $"{name}-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/bash\n" + body);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private static string Exec(string command, string apiVersion = "client.authentication.k8s.io/v1") =>
        "    exec:\n" +
        $"      apiVersion: {apiVersion}\n" +
        $"      command: {command}\n" +
        "      args: [\"get-token\", \"--cluster\", \"emulator\"]\n" +
        "      env:\n" +
        "      - name: E2EPS_PLUGIN_GREETING\n" +
        "        value: hello\n";

    private async Task<E2eException> ListFailsAsync(string kubeconfig)
    {
        using var limit = new CancellationTokenSource(s_limit);
        return await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.ListNamespacesAsync(new ClusterTarget { Kubeconfig = kubeconfig }, limit.Token));
    }

    [Fact]
    public async Task A_plugin_that_exits_non_zero_names_the_command_its_exit_code_and_stderr()
    {
        var plugin = Script("exit3", "echo 'starting the token exchange' >&2\necho 'error: refresh token expired; run az login' >&2\nexit 3\n");

        var error = await ListFailsAsync(await KubeconfigWithUserAsync("exit3", Exec(plugin)));

        Assert.Equal("ClusterCredentialPluginFailed", error.ErrorId);
        Assert.Equal(E2eErrorCategory.AuthenticationError, error.Category);
        Assert.Equal(plugin, error.Target);
        Assert.Contains(plugin + " get-token --cluster emulator", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("error: refresh token expired; run az login", error.Message, StringComparison.Ordinal);
        Assert.Contains("context 'emulator'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain(" at ", error.Message, StringComparison.Ordinal);
        Assert.Contains("yourself", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_that_prints_garbage_says_what_it_printed()
    {
        var plugin = Script("garbage", "echo 'Please visit https://login.example/device and enter code ABCD'\n");

        var error = await ListFailsAsync(await KubeconfigWithUserAsync("garbage", Exec(plugin)));

        Assert.Equal("ClusterCredentialPluginFailed", error.ErrorId);
        Assert.Contains("not an ExecCredential", error.Message, StringComparison.Ordinal);
        Assert.Contains("enter code ABCD", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("status.token", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_that_cannot_be_started_is_named()
    {
        var missing = Path.Combine(cluster.RepositoryRoot, "no-such-plugin");

        var error = await ListFailsAsync(await KubeconfigWithUserAsync("missing-plugin", Exec(missing) + "      installHint: Install no-such-plugin from example.test\n"));

        Assert.Equal("ClusterCredentialPluginFailed", error.ErrorId);
        Assert.Contains("could not be started", error.Message, StringComparison.Ordinal);
        Assert.Equal("Install no-such-plugin from example.test", error.RecommendedAction);
    }

    [Fact]
    public async Task A_working_plugin_gets_its_token_to_the_server()
    {
        // The plugin sees its args, its env and KUBERNETES_EXEC_INFO, and answers with the emulator's token.
        var plugin = Script("works",
            "[ \"$1\" = get-token ] && [ \"$E2EPS_PLUGIN_GREETING\" = hello ] || exit 9\n" +
            "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 8 ;; esac\n" +
            $"printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{cluster.Emulator.Token}\"}}}}'\n");
        using var limit = new CancellationTokenSource(s_limit);

        var namespaces = await cluster.Engine.Cluster.ListNamespacesAsync(new ClusterTarget { Kubeconfig = await KubeconfigWithUserAsync("works", Exec(plugin)) }, limit.Token);

        Assert.Contains("default", namespaces);
    }

    [Fact]
    public async Task With_provideClusterInfo_the_plugin_is_told_the_cluster()
    {
        // The plugin answers only when KUBERNETES_EXEC_INFO names the emulator's server and carries its CA.
        var server = cluster.Emulator.ServerUri.ToString().TrimEnd('/');
        var plugin = Script("cluster-info",
            $"case \"$KUBERNETES_EXEC_INFO\" in *'\"server\":\"{server}\"'*'certificate-authority-data'*) ;; *) echo \"no cluster in $KUBERNETES_EXEC_INFO\" >&2; exit 7 ;; esac\n" +
            $"printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{cluster.Emulator.Token}\"}}}}'\n");
        using var limit = new CancellationTokenSource(s_limit);
        var kubeconfig = await KubeconfigWithUserAsync("cluster-info", Exec(plugin) + "      provideClusterInfo: true\n");

        var namespaces = await cluster.Engine.Cluster.ListNamespacesAsync(new ClusterTarget { Kubeconfig = kubeconfig }, limit.Token);

        Assert.Contains("default", namespaces);
    }

    [Theory]
    [InlineData("azure", "kubelogin")]
    [InlineData("gcp", "gke-gcloud-auth-plugin")]
    public async Task A_removed_auth_provider_says_which_exec_plugin_to_use(string provider, string replacement)
    {
        var user = "    auth-provider:\n" +
                   $"      name: {provider}\n" +
                   "      config:\n" +
                   "        access-token: x\n";

        var error = await ListFailsAsync(await KubeconfigWithUserAsync(provider, user));

        Assert.Equal("ClusterAuthProviderUnsupported", error.ErrorId);
        Assert.Equal(E2eErrorCategory.AuthenticationError, error.Category);
        Assert.Contains($"'{provider}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(replacement, error.RecommendedAction, StringComparison.Ordinal);
    }
}
