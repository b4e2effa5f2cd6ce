using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;
using k8s.KubeConfigModels;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Runs a kubeconfig user's <c>exec</c> credential plugin as client-go does
/// (kubernetes/kubernetes, staging/src/k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go): the
/// command with its args and env, <c>KUBERNETES_EXEC_INFO</c> describing a non-interactive request, the
/// ExecCredential read from stdout, the token kept until its <c>expirationTimestamp</c> and the plugin run
/// again after it. Unlike KubernetesClient's runner (which ignores the exit code, lets the plugin's stderr
/// through to the console and throws a stack trace when stdout is not JSON), a failure here is one
/// <see cref="E2eException"/> that names the command, its exit code and the end of its stderr.
/// </summary>
public sealed class ExecCredentialPlugin : k8s.Authentication.ITokenProvider
{
    /// <summary>A plugin that has not answered after this long is stopped; a browser log-in cannot happen here anyway.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private const int StderrLines = 5;
    private readonly ExternalExecution _exec;
    private readonly string _context;
    private readonly object _gate = new();
    private Credential? _cached;

    private readonly ClusterEndpoint? _cluster;
    private readonly IClock _clock;

    private ExecCredentialPlugin(ExternalExecution exec, string context, ClusterEndpoint? cluster, IClock clock)
    {
        _exec = exec;
        _context = context;
        _cluster = cluster;
        _clock = clock;
    }

    /// <summary>What the plugin returned.</summary>
    public sealed record Credential(string? Token, string? ClientCertificatePem, string? ClientKeyPem, DateTimeOffset? Expires);

    /// <summary>
    /// Runs the plugin once, so a failing plugin fails before any connection, and returns it with that
    /// first credential. <paramref name="cluster"/> (given when the user sets provideClusterInfo) goes to
    /// the plugin in KUBERNETES_EXEC_INFO's spec.cluster; <paramref name="clock"/> tells when the token expired.
    /// </summary>
    public static (ExecCredentialPlugin Plugin, Credential First) Start(ExternalExecution exec, string context, ClusterEndpoint? cluster, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(exec);
        ArgumentNullException.ThrowIfNull(clock);
        var plugin = new ExecCredentialPlugin(exec, context, cluster, clock);
        var first = plugin.Run(CancellationToken.None);
        plugin._cached = first;
        return (plugin, first);
    }

    /// <inheritdoc />
    public Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        // Runs the plugin again only when the token has (almost) expired; callers wait on one run.
        lock (_gate)
        {
            if (_cached is null || (_cached.Expires is { } expires && expires <= _clock.UtcNow.AddSeconds(10)))
            {
                _cached = Run(cancellationToken);
            }

            return Task.FromResult(new AuthenticationHeaderValue("Bearer", _cached.Token ?? ""));
        }
    }

    /// <summary>
    /// The server answered 401 to <paramref name="rejected"/>: runs the plugin again unless another request
    /// already did, as client-go's roundTripper does on a 401 (exec.go, maybeRefreshCreds: "executes the plugin
    /// to force a rotation of the credentials, unless they were rotated already"). Returns the header to retry
    /// with, or null when the plugin gave the very token the server refused (a retry could only fail again).
    /// </summary>
    public AuthenticationHeaderValue? RefreshAfterUnauthorized(AuthenticationHeaderValue? rejected, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var refused = rejected?.Parameter;
            if (_cached?.Token is null || string.Equals(_cached.Token, refused, StringComparison.Ordinal))
            {
                _cached = Run(cancellationToken);
            }

            return _cached.Token is { Length: > 0 } token && !string.Equals(token, refused, StringComparison.Ordinal)
                ? new AuthenticationHeaderValue("Bearer", token)
                : null;
        }
    }

    private string CommandLine => string.Join(' ', new[] { _exec.Command }.Concat(_exec.Arguments ?? []).Select(Quote));

    private Credential Run(CancellationToken cancellationToken)
    {
        var apiVersion = string.IsNullOrEmpty(_exec.ApiVersion) ? "client.authentication.k8s.io/v1" : _exec.ApiVersion;
        var start = new ProcessStartInfo(_exec.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in _exec.Arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in _exec.EnvironmentVariables ?? [])
        {
            if (variable.TryGetValue("name", out var name) && !string.IsNullOrEmpty(name))
            {
                start.Environment[name] = variable.TryGetValue("value", out var value) ? value : "";
            }
        }

        var spec = new Dictionary<string, object> { ["interactive"] = false };
        if (_cluster is not null)
        {
            var cluster = new Dictionary<string, object> { ["server"] = _cluster.Server ?? "" };
            if (!string.IsNullOrEmpty(_cluster.TlsServerName))
            {
                cluster["tls-server-name"] = _cluster.TlsServerName;
            }

            if (_cluster.SkipTlsVerify)
            {
                cluster["insecure-skip-tls-verify"] = true;
            }

            var authority = !string.IsNullOrEmpty(_cluster.CertificateAuthorityData) ? _cluster.CertificateAuthorityData
                : !string.IsNullOrEmpty(_cluster.CertificateAuthority) && File.Exists(_cluster.CertificateAuthority) ? Convert.ToBase64String(File.ReadAllBytes(_cluster.CertificateAuthority))
                : null;
            if (authority is not null)
            {
                cluster["certificate-authority-data"] = authority;
            }

            spec["cluster"] = cluster;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "ExecCredential",
            ["spec"] = spec,
        });

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw Failure($"could not be started: {error.Message}.",
                string.IsNullOrEmpty(_exec.InstallHint)
                    ? $"Install '{_exec.Command}' or put it on PATH, as 'kubectl --context {_context} get ns' needs it too."
                    : _exec.InstallHint.Trim(), error);
        }

        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(Timeout);
            try
            {
                process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw Failure($"had not finished after {Timeout.TotalSeconds:0} s (it may be waiting for an interactive log-in).",
                    $"Run '{CommandLine}' yourself to log in, then try again.");
            }
        }

        var stdout = stdoutTask.GetAwaiter().GetResult();
        var stderr = Tail(stderrTask.GetAwaiter().GetResult());
        if (process.ExitCode != 0)
        {
            throw Failure($"exited with code {process.ExitCode}{(stderr.Length > 0 ? ": " + stderr : " and wrote nothing to stderr.")}",
                $"Run '{CommandLine}' yourself to see why; it usually means logging in again (az login, gcloud auth login, aws sso login) or a plugin that needs updating.");
        }

        return Parse(stdout, apiVersion, stderr);
    }

    private Credential Parse(string stdout, string apiVersion, string stderr)
    {
        var action = $"Run '{CommandLine}' yourself: it must print an ExecCredential of {apiVersion} with status.token (or clientCertificateData and clientKeyData).";
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(stdout);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            var shown = stdout.Trim();
            shown = shown.Length == 0 ? "nothing" : "'" + (shown.Length > 200 ? shown[..200] + "..." : shown) + "'";
            throw Failure($"printed {shown} on stdout, not an ExecCredential (JSON){(stderr.Length > 0 ? "; stderr: " + stderr : ".")}", action);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Failure("printed JSON that is not an ExecCredential object.", action);
        }

        var returned = String(root, "apiVersion");
        if (!string.Equals(returned, apiVersion, StringComparison.Ordinal))
        {
            throw Failure($"returned an ExecCredential of apiVersion '{returned}', but the kubeconfig asks for '{apiVersion}'.",
                "Set the user's exec.apiVersion in the kubeconfig to the version the plugin prints, or update the plugin.");
        }

        if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
        {
            throw Failure("returned an ExecCredential without a status.", action);
        }

        var token = String(status, "token");
        var certificate = String(status, "clientCertificateData");
        var key = String(status, "clientKeyData");
        if (string.IsNullOrEmpty(token) && string.IsNullOrEmpty(certificate) && string.IsNullOrEmpty(key))
        {
            throw Failure("returned neither a token nor a client certificate and key.", action);
        }

        if (string.IsNullOrEmpty(certificate) != string.IsNullOrEmpty(key))
        {
            throw Failure("returned only one of clientCertificateData and clientKeyData, not both.", action);
        }

        DateTimeOffset? expires = null;
        if (String(status, "expirationTimestamp") is { Length: > 0 } stamp
            && DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            expires = parsed;
        }

        return new Credential(string.IsNullOrEmpty(token) ? null : token, certificate, key, expires);
    }

    private E2eException Failure(string what, string action, Exception? inner = null) =>
        new("ClusterCredentialPluginFailed", E2eErrorCategory.AuthenticationError, _exec.Command,
            $"The credential plugin of context '{_context}' ('{CommandLine}') {what}", inner)
        {
            RecommendedAction = action,
        };

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The last lines of stderr, trimmed, on one line.</summary>
    private static string Tail(string stderr)
    {
        var lines = stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var tail = string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - StderrLines)));
        return tail.Length > 1000 ? "..." + tail[^1000..] : tail;
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || "-_./:=@,+".Contains(c, StringComparison.Ordinal)) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>PEM text as KubernetesClient wants client certificate data: base64 of the PEM.</summary>
    internal static string Base64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
}
