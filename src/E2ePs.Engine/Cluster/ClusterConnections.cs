using System.Collections.Concurrent;
using E2ePs.Contracts;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// The per-process cache of Kubernetes clients: one per kubeconfig and context, reused across pipeline
/// records and cmdlets. A kubeconfig file that changed on disk (a new token, a restarted cluster) gets a
/// new client, because its last write time is part of the key.
/// </summary>
public static class ClusterConnections
{
    private const string InClusterContext = "in-cluster";
    private static readonly ConcurrentDictionary<string, Lazy<ClusterConnection>> s_connections = new(StringComparer.Ordinal);

    /// <summary>The connection for <paramref name="target"/>, created on first use.</summary>
    public static ClusterConnection Get(ClusterTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var files = KubeconfigFiles(target.Kubeconfig);
        var key = string.Join('|', files.Select(f => $"{f.FullName}@{f.LastWriteTimeUtc.Ticks}")) + "#" + target.Context;
        var lazy = s_connections.GetOrAdd(key, _ => new Lazy<ClusterConnection>(() => Create(files, target), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (E2eException)
        {
            // A bad context or file must not poison the cache for the next attempt.
            s_connections.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>The context names of the kubeconfig files in use; empty when there are none or they cannot be read.</summary>
    public static IReadOnlyList<string> ContextNames(string? kubeconfig)
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

    private static ClusterConnection Create(List<FileInfo> files, ClusterTarget target)
    {
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

            try
            {
                configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
            }
            catch (KubeConfigException error)
            {
                throw new E2eException("KubeconfigInvalid", E2eErrorCategory.InvalidData, context,
                    $"The context '{context}' of '{kubeconfig}' is incomplete: {error.Message}", error);
            }
        }

        // The client's default of 100 s would cut long watches and log streams; our own calls carry
        // cancellation tokens and timeouts instead.
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        var identity = new ClusterIdentity(context, configuration.Host, configuration.Namespace ?? "default", kubeconfig);
        var client = new Kubernetes(configuration, new RetryHandler());
        return new ClusterConnection(client, identity);
    }

    /// <summary>Merges kubeconfig files as kubectl does: the first file to name a context, cluster or user wins.</summary>
    private static K8SConfiguration Merge(List<FileInfo> files)
    {
        var merged = KubernetesClientConfiguration.LoadKubeConfig(files[0], useRelativePaths: true);
        foreach (var file in files.Skip(1))
        {
            var next = KubernetesClientConfiguration.LoadKubeConfig(file, useRelativePaths: true);
            merged.CurrentContext ??= next.CurrentContext;
            merged.Contexts = Union(merged.Contexts, next.Contexts, c => c.Name);
            merged.Clusters = Union(merged.Clusters, next.Clusters, c => c.Name);
            merged.Users = Union(merged.Users, next.Users, u => u.Name);
        }

        return merged;
    }

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? second, Func<T, string> name) =>
        (first ?? []).Concat(second ?? []).GroupBy(name, StringComparer.Ordinal).Select(g => g.First()).ToList();

    private static List<FileInfo> KubeconfigFiles(string? explicitPaths)
    {
        if (!string.IsNullOrEmpty(explicitPaths))
        {
            var files = explicitPaths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(p => new FileInfo(p)).ToList();
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

        var fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            // As kubectl does: merge every file of KUBECONFIG that exists, the first one winning.
            return fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(p => new FileInfo(p)).Where(f => f.Exists).ToList();
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var defaultFile = new FileInfo(Path.Combine(home, ".kube", "config"));
        return defaultFile.Exists ? [defaultFile] : [];
    }
}
