using System.Collections.Concurrent;
using E2ePs.Contracts;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Hands out the Kubernetes client of a kubeconfig and context, and keeps the session's cache of them:
/// one per kubeconfig and context, reused across pipeline records and cmdlets, so TLS handshakes and
/// connection pools are paid once. A kubeconfig file that changed on disk (a new token, a restarted
/// cluster) gets a new client, because its last write time is part of the key. The cache is this
/// instance's, not the process's: EngineEntry makes one factory and gives it to every component. A 401 that
/// a credential plugin cannot cure drops the client (see <see cref="UnauthorizedRecovery"/>). KUBECONFIG and the
/// home folder are read through <see cref="IProcessEnvironment"/>, so tests give them without touching the process.
/// </summary>
public sealed class ClusterConnectionFactory : IClusterConnectionFactory, IDisposable
{
    private const string InClusterContext = "in-cluster";
    private readonly ConcurrentDictionary<string, Lazy<ClusterConnection>> _connections = new(StringComparer.Ordinal);
    private readonly IClock clock;
    private readonly IProcessEnvironment environment;

    /// <summary>A factory over this process's environment.</summary>
    public ClusterConnectionFactory(IClock clock)
        : this(clock, new SystemProcessEnvironment())
    {
    }

    /// <summary>A factory that finds kubeconfig files through <paramref name="environment"/> (KUBECONFIG, the home folder).</summary>
    public ClusterConnectionFactory(IClock clock, IProcessEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(environment);
        this.clock = clock;
        this.environment = environment;
    }

    /// <summary>The limit of each page of every list the clients of this factory make; kubectl's default chunk size unless a test wants more pages.</summary>
    public int ListPageSize { get; init; } = ListPages.PageSize;

    /// <inheritdoc />
    public ClusterConnection Get(ClusterTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var files = KubeconfigFiles(target.Kubeconfig);
        var key = string.Join('|', files.Select(f => $"{f.FullName}@{f.LastWriteTimeUtc.Ticks}")) + "#" + target.Context;
        var lazy = _connections.GetOrAdd(key, _ => new Lazy<ClusterConnection>(() => Create(files, target, key), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (E2eException)
        {
            // A bad context or file must not poison the cache for the next attempt.
            _connections.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>
    /// Releases every client made so far (their connection pools and sockets): Remove-Module disposes the
    /// engine, and with it this cache, so a module imported again starts with fresh connections.
    /// </summary>
    public void Dispose()
    {
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.Client is IDisposable client)
            {
                client.Dispose();
            }
        }

        _connections.Clear();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ContextNames(string? kubeconfig)
    {
        try
        {
            var files = KubeconfigFiles(kubeconfig);
            return files.Count == 0 ? [] : (Merge(files).Contexts ?? []).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception error) when (error is E2eException or KubeConfigException or IOException or YamlDotNet.Core.YamlException)
        {
            return [];
        }
    }

    private ClusterConnection Create(List<FileInfo> files, ClusterTarget target, string key)
    {
        ExecCredentialPlugin? plugin = null;
        KubernetesClientConfiguration configuration;
        string context;
        string? kubeconfig = files.Count > 0 ? string.Join(Path.PathSeparator, files.Select(f => f.FullName)) : null;
        if (files.Count == 0)
        {
            if (!KubernetesClientConfiguration.IsInCluster())
            {
                throw new E2eException("KubeconfigNotFound", E2eErrorCategory.ObjectNotFound, null,
                    "No kubeconfig was found: -Kubeconfig was not given, KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod with a service account.")
                {
                    RecommendedAction = "Pass -Kubeconfig, set KUBECONFIG, or run 'kubectl config view' to check your set-up.",
                };
            }

            configuration = KubernetesClientConfiguration.InClusterConfig();
            context = InClusterContext;
        }
        else
        {
            K8SConfiguration merged;
            try
            {
                merged = Merge(files);
            }
            catch (Exception error) when (error is KubeConfigException or IOException or YamlDotNet.Core.YamlException or ArgumentException)
            {
                throw new E2eException("KubeconfigInvalid", E2eErrorCategory.InvalidData, kubeconfig,
                    $"The kubeconfig '{kubeconfig}' could not be read: {error.Message}", error)
                {
                    RecommendedAction = "Check the file with 'kubectl config view --kubeconfig <file>'.",
                };
            }

            context = target.Context ?? merged.CurrentContext ?? "";
            var known = merged.Contexts?.Select(c => c.Name).ToList() ?? [];
            if (!known.Contains(context, StringComparer.Ordinal))
            {
                throw new E2eException("ContextNotFound", E2eErrorCategory.ObjectNotFound, context,
                    string.IsNullOrEmpty(context)
                        ? $"The kubeconfig '{kubeconfig}' has no current context."
                        : $"There is no context '{context}' in the kubeconfig '{kubeconfig}'.")
                {
                    RecommendedAction = known.Count > 0 ? $"Use -Context with one of: {string.Join(", ", known)}." : "Add a context to the kubeconfig.",
                };
            }

            // Credentials KubernetesClient would get wrong are handled first: an exec plugin runs here, so its
            // failure is one clear error, and the library is given the plugin's token or certificate instead.
            plugin = PrepareCredentials(merged, context);
            try
            {
                configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
            }
            catch (KubeConfigException error)
            {
                throw new E2eException("KubeconfigInvalid", E2eErrorCategory.InvalidData, context,
                    $"The context '{context}' of '{kubeconfig}' is incomplete: {error.Message}", error);
            }

            if (plugin is not null)
            {
                configuration.AccessToken = null;
                configuration.TokenProvider = plugin;
            }
        }

        // The client's default of 100 s would cut long watches and log streams; our own calls carry
        // cancellation tokens and timeouts instead.
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        var identity = new ClusterIdentity(context, configuration.Host, configuration.Namespace ?? "default", kubeconfig);
        var server = new Uri(configuration.Host);
        var verifier = configuration.SkipTlsVerify || server.Scheme != Uri.UriSchemeHttps ? null : new TlsVerifier(server, configuration.SslCaCerts, configuration.TlsServerName);
        SocketsHttpHandler? transport = null;
        configuration.FirstMessageHandlerSetup = handler => transport = handler;
        // Only this entry is dropped, and only if it is still this connection's: clients already handed out keep
        // working for the streams they serve.
        Lazy<ClusterConnection>? entry = null;
        var recovery = new UnauthorizedRecovery(plugin, () =>
        {
            if (entry is not null)
            {
                _connections.TryRemove(new KeyValuePair<string, Lazy<ClusterConnection>>(key, entry));
            }
        });
        _connections.TryGetValue(key, out entry);
        // Outermost first: the warnings of the answer a call finally gets, after any retries.
        var client = new Kubernetes(configuration, new WarningHeaderHandler(), new RetryHandler(recovery));
        if (verifier is not null)
        {
            // Replaces KubernetesClient's certificate callback, which ignores the host name (see TlsVerifier).
            // Set after construction, so it wins whatever order the library sets its own in.
            if (transport is null)
            {
                client.Dispose();
                throw new InvalidOperationException("KubernetesClient did not hand over its HTTP handler; TLS verification cannot be installed.");
            }

            transport.SslOptions.RemoteCertificateValidationCallback = verifier.Validate;
            client.CreateWebSocketBuilder = () => new TlsVerifier.VerifiedWebSocketBuilder(verifier);
        }

        return new ClusterConnection(client, identity, verifier, ListPageSize);
    }

    /// <summary>
    /// Refuses auth-providers that kubectl no longer has, and runs an exec plugin of the context's user
    /// itself; returns the plugin (the token provider) or null. The user entry is changed in
    /// <paramref name="merged"/> only, never on disk.
    /// </summary>
    private ExecCredentialPlugin? PrepareCredentials(K8SConfiguration merged, string context)
    {
        var userName = merged.Contexts?.FirstOrDefault(c => c.Name == context)?.ContextDetails?.User;
        var user = merged.Users?.FirstOrDefault(u => u.Name == userName)?.UserCredentials;
        if (user is null)
        {
            return null;
        }

        // client-go removed these two (kubernetes/kubernetes, staging/src/k8s.io/client-go/plugin/pkg/client/auth/azure/azure_stub.go
        // and gcp/gcp_stub.go: "The azure auth plugin has been removed. Please use the ... kubelogin ... credential plugin instead").
        switch (user.AuthProvider?.Name?.ToLowerInvariant())
        {
            case "azure":
                throw new E2eException("ClusterAuthProviderUnsupported", E2eErrorCategory.AuthenticationError, context,
                    $"The user '{userName}' of context '{context}' signs in with the legacy 'azure' auth-provider, which kubectl removed in 1.26 and E2ePs does not support.")
                {
                    RecommendedAction = "Use the exec credential plugin kubelogin: install it (az aks install-cli) and run 'kubelogin convert-kubeconfig -l azurecli', or fetch the kubeconfig again with 'az aks get-credentials'.",
                };
            case "gcp":
                throw new E2eException("ClusterAuthProviderUnsupported", E2eErrorCategory.AuthenticationError, context,
                    $"The user '{userName}' of context '{context}' signs in with the legacy 'gcp' auth-provider, which kubectl removed in 1.26 and E2ePs does not support.")
                {
                    RecommendedAction = "Use the exec credential plugin gke-gcloud-auth-plugin: 'gcloud components install gke-gcloud-auth-plugin', then fetch the kubeconfig again with 'gcloud container clusters get-credentials'.",
                };
        }

        if (user.ExternalExecution is not { Command.Length: > 0 } exec)
        {
            return null;
        }

        var clusterName = merged.Contexts?.FirstOrDefault(c => c.Name == context)?.ContextDetails?.Cluster;
        var cluster = merged.Clusters?.FirstOrDefault(c => c.Name == clusterName)?.ClusterEndpoint;
        var (plugin, first) = ExecCredentialPlugin.Start(exec, context, exec.ProvideClusterInfo ? cluster : null, clock);
        user.ExternalExecution = null;
        user.Token = first.Token;
        if (first.ClientCertificatePem is { Length: > 0 } certificate && first.ClientKeyPem is { Length: > 0 } key)
        {
            user.ClientCertificateData = ExecCredentialPlugin.Base64(certificate);
            user.ClientKeyData = ExecCredentialPlugin.Base64(key);
        }

        return first.Token is null ? null : plugin;
    }

    /// <summary>Merges kubeconfig files as kubectl does: the first file to name a context, cluster or user wins.</summary>
    private static K8SConfiguration Merge(List<FileInfo> files)
    {
        var merged = Load(files[0]);
        foreach (var file in files.Skip(1))
        {
            var next = Load(file);
            merged.CurrentContext ??= next.CurrentContext;
            merged.Contexts = Union(merged.Contexts, next.Contexts, c => c.Name);
            merged.Clusters = Union(merged.Clusters, next.Clusters, c => c.Name);
            merged.Users = Union(merged.Users, next.Users, u => u.Name);
        }

        return merged;
    }

    /// <summary>
    /// One file; an exec command with a path separator that is not rooted is taken relative to the file's
    /// folder, as client-go's ResolveLocalPaths does (loader.go, GetAuthInfoFileReferences); a bare name is
    /// looked up on PATH.
    /// </summary>
    private static K8SConfiguration Load(FileInfo file)
    {
        var config = KubeconfigReader.Read(file);
        foreach (var user in config.Users ?? [])
        {
            if (user.UserCredentials?.ExternalExecution is { Command.Length: > 0 } exec
                && exec.Command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !Path.IsPathRooted(exec.Command))
            {
                exec.Command = Path.GetFullPath(Path.Combine(file.DirectoryName ?? ".", exec.Command));
            }
        }

        return config;
    }

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? second, Func<T, string> name) =>
        (first ?? []).Concat(second ?? []).GroupBy(name, StringComparer.Ordinal).Select(g => g.First()).ToList();

    private List<FileInfo> KubeconfigFiles(string? explicitPaths)
    {
        if (!string.IsNullOrEmpty(explicitPaths))
        {
            var files = Paths(explicitPaths).Select(p => new FileInfo(p)).ToList();
            var missing = files.FirstOrDefault(f => !f.Exists);
            if (missing is not null)
            {
                throw new E2eException("KubeconfigNotFound", E2eErrorCategory.ObjectNotFound, missing.FullName,
                    $"The kubeconfig '{missing.FullName}' does not exist.")
                {
                    RecommendedAction = "Pass the path of an existing kubeconfig to -Kubeconfig.",
                };
            }

            return files;
        }

        var fromEnvironment = environment.Variable("KUBECONFIG");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            // As kubectl does (kubernetes/kubernetes, staging/src/k8s.io/client-go/tools/clientcmd/loader.go,
            // NewDefaultClientConfigLoadingRules and Load): every file of KUBECONFIG, split at the path list
            // separator, duplicates dropped, missing ones skipped, the first to name a context, cluster or
            // user winning; ~/.kube/config is not used when KUBECONFIG is set. When none exists, kubectl
            // goes on with an empty configuration; E2ePs stops and names the files it looked for.
            var candidates = Paths(fromEnvironment).Select(p => new FileInfo(p)).DistinctBy(f => f.FullName, StringComparer.Ordinal).ToList();
            var existing = candidates.Where(f => f.Exists).ToList();
            if (existing.Count == 0 && candidates.Count > 0)
            {
                var tried = string.Join(", ", candidates.Select(f => $"'{f.FullName}'"));
                throw new E2eException("KubeconfigNotFound", E2eErrorCategory.ObjectNotFound, candidates[0].FullName,
                    $"KUBECONFIG is set to '{fromEnvironment}', but no file of it exists: looked for {tried}.")
                {
                    RecommendedAction = "Set KUBECONFIG to existing files (full paths, separated by '" + Path.PathSeparator + "'), remove it to use ~/.kube/config, or pass -Kubeconfig.",
                };
            }

            return existing;
        }

        var home = environment.HomeFolder;
        var defaultFile = new FileInfo(Path.Combine(home, ".kube", "config"));
        return defaultFile.Exists ? [defaultFile] : [];
    }

    /// <summary>
    /// The entries of a path list, each with a leading <c>~</c> expanded to the home folder. client-go
    /// does not expand it itself (loader.go reads the names as they are): in bash and zsh the shell
    /// already has, in <c>KUBECONFIG=~/a:~/b</c> too, so kubectl sees full paths; PowerShell passes
    /// <c>$env:KUBECONFIG = '~/.kube/staging.yaml'</c> through unexpanded. Expanding here gives what the
    /// same line typed in bash gives kubectl. <c>~user</c> is left alone.
    /// </summary>
    internal IEnumerable<string> Paths(string list)
    {
        foreach (var entry in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return ExpandHome(entry);
        }
    }

    /// <summary><c>~</c>, <c>~/x</c> (and <c>~\x</c> on Windows) with the home folder; anything else unchanged.</summary>
    internal string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || (OperatingSystem.IsWindows() && path.StartsWith("~\\", StringComparison.Ordinal)))
        {
            var home = environment.HomeFolder;
            return path.Length == 1 ? home : Path.Combine(home, path[2..]);
        }

        return path;
    }
}
