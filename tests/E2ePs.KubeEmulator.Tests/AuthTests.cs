using E2ePs.TestSupport;
using E2ePs.Tests.Support;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// Authentication as a managed cluster does it, checked with the real kubectl: tokens that expire (401 after
/// their lifetime or once revoked), an exec credential plugin in the kubeconfig that client-go runs again on a
/// 401 (staging/src/k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go, roundTripper.RoundTrip), and a server
/// certificate for one DNS name that only tls-server-name makes acceptable.
/// </summary>
[Collection("emulator")]
public sealed class AuthTests(EmulatorFixture fx)
{
    private const string Unauthorized = "You must be logged in to the server (Unauthorized)";

    private (ExecCredentialScript Plugin, string Kubeconfig) ExecKubeconfig(params string[] tokens)
    {
        var folder = Path.GetDirectoryName(fx.Server.KubeconfigPath)!;
        var plugin = new ExecCredentialScript(folder, tokens, DateTimeOffset.UtcNow.AddHours(1));
        var kubeconfig = Path.Combine(folder, $"exec-{Guid.NewGuid():N}.kubeconfig");
        fx.Server.WriteExecKubeconfig(kubeconfig, plugin.Path);
        return (plugin, kubeconfig);
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_token_is_accepted_within_its_lifetime_and_refused_with_401_after_it()
    {
        // Whether a one-second token is still good when a loaded machine gets kubectl to the server is a race,
        // so the accepted side uses an hour and the refused side waits (bounded) for the short token's end.
        var (_, lasting) = ExecKubeconfig(fx.Server.AddToken("long-lived", ["system:masters"], lifetime: TimeSpan.FromHours(1)));
        var (_, brief) = ExecKubeconfig(fx.Server.AddToken("short-lived", ["system:masters"], lifetime: TimeSpan.FromSeconds(1)));

        var accepted = await fx.KubectlAsync("--kubeconfig", lasting, "get", "namespace", "default", "-o", "name");
        var refused = await Eventually.WaitAsync(() => fx.KubectlAsync("--kubeconfig", brief, "get", "namespace", "default", "-o", "name"), r => r.ExitCode != 0, "the token to expire", seconds: 30, pollMs: 200);

        Assert.True(accepted.ExitCode == 0, accepted.Stderr);
        Assert.Equal("namespace/default\n", accepted.Stdout);
        Assert.Contains(Unauthorized, refused.Stderr, StringComparison.Ordinal);
    }

    [RequiresToolsFact("kubectl")]
    public async Task Kubectl_runs_the_exec_plugin_and_runs_it_again_when_the_server_answers_401()
    {
        var token = fx.Server.AddToken("plugin-user", ["system:masters"]);
        var (plugin, kubeconfig) = ExecKubeconfig(token);
        var works = await fx.KubectlAsync("--kubeconfig", kubeconfig, "get", "namespace", "default", "-o", "name");
        Assert.True(works.ExitCode == 0, works.Stderr);
        Assert.Equal(1, plugin.Runs);

        Assert.True(fx.Server.ExpireToken(token));
        var refused = await fx.KubectlAsync("--kubeconfig", kubeconfig, "get", "namespace", "default", "-o", "name");

        Assert.Contains(Unauthorized, refused.Stderr, StringComparison.Ordinal);
        // One run for the request, one more after its 401 (the plugin gave the same token, so kubectl gives up).
        Assert.Equal(3, plugin.Runs);
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_certificate_for_one_dns_name_needs_tls_server_name()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { ServerName = "api.cluster.test" });

        var named = await EmulatorFixture.RunKubectlAsync(server, "get", "namespace", "default", "-o", "name");
        var other = await EmulatorFixture.RunKubectlAsync(server, "--tls-server-name", "localhost", "get", "namespace", "default", "-o", "name");

        Assert.True(named.ExitCode == 0, named.Stderr);
        Assert.Contains("tls-server-name: api.cluster.test", await File.ReadAllTextAsync(server.KubeconfigPath), StringComparison.Ordinal);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("x509: certificate is valid for api.cluster.test, not localhost", other.Stderr, StringComparison.Ordinal);
    }
}
