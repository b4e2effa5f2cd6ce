using E2ePs.Validation;

namespace E2ePs.Engine.Manifests;

/// <summary>How a short job name becomes Kubernetes names and file paths; what a valid name is lives in <see cref="ValueRules"/>.</summary>
public static class JobNames
{
    /// <summary>Longest Kubernetes name a Job may have: its name is a label value on its pods.</summary>
    public const int MaxKubernetesNameLength = ValueRules.MaxKubernetesNameLength;

    /// <summary>The Kubernetes name of a job: test-&lt;name&gt;-e2e.</summary>
    public static string KubernetesName(string name) => ValueRules.KubernetesName(name);

    /// <summary>Folder of the job's Dockerfile and runner, relative to the repository root.</summary>
    public static string JobDirectory(string name) => $"jobs/{KubernetesName(name)}";

    /// <summary>Manifest path, relative to the repository root.</summary>
    public static string ManifestFile(string name) => $"deploy/k8s/99-{KubernetesName(name)}.yaml";

    /// <summary>The short name inside a Kubernetes job name, or null when it does not follow the pattern.</summary>
    public static string? ShortName(string kubernetesName) => ValueRules.ShortName(kubernetesName);

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label.</summary>
    public static bool IsDnsLabel(string value) => ValueRules.IsDnsLabel(value);

    /// <summary>Throws a clear error unless <paramref name="name"/> makes valid Kubernetes names.</summary>
    public static void Validate(string name) => ValueRules.JobName(name);

    /// <summary>Whether <paramref name="value"/> is a valid environment variable name for Kubernetes.</summary>
    public static bool IsEnvName(string value) => ValueRules.IsEnvName(value);
}
