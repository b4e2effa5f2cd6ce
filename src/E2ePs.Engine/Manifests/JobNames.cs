using E2ePs.Naming;
using E2ePs.Validation;

namespace E2ePs.Engine.Manifests;

/// <summary>
/// The engine's short way to the naming rules: how a short job name becomes Kubernetes names and file
/// paths is <see cref="JobLayout"/>'s, what a valid name is <see cref="ValueRules"/>'s; nothing is derived here.
/// </summary>
public static class JobNames
{
    /// <summary>Longest Kubernetes name a Job may have: its name is a label value on its pods.</summary>
    public const int MaxKubernetesNameLength = ValueRules.MaxKubernetesNameLength;

    /// <summary>The Kubernetes name of a job: test-&lt;name&gt;-e2e.</summary>
    public static string KubernetesName(string name) => JobLayout.KubernetesName(name);

    /// <summary>Folder of the job's Dockerfile and runner, relative to the repository root.</summary>
    public static string JobDirectory(string name) => JobLayout.JobDirectory(name);

    /// <summary>Manifest path, relative to the repository root.</summary>
    public static string ManifestFile(string name) => JobLayout.ManifestFile(name);

    /// <summary>The short name inside a Kubernetes job name, or null when it does not follow the pattern.</summary>
    public static string? ShortName(string kubernetesName) => JobLayout.ShortName(kubernetesName);

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label.</summary>
    public static bool IsDnsLabel(string value) => ValueRules.IsDnsLabel(value);

    /// <summary>Throws a clear error unless <paramref name="name"/> makes valid Kubernetes names.</summary>
    public static void Validate(string name) => ValueRules.JobName(name);

    /// <summary>Whether <paramref name="value"/> is a valid environment variable name for Kubernetes.</summary>
    public static bool IsEnvName(string value) => ValueRules.IsEnvName(value);
}
