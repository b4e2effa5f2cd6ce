using System.Text.RegularExpressions;
using E2ePs.Contracts;

namespace E2ePs.Engine.Manifests;

/// <summary>How a short job name becomes Kubernetes names and file paths, and what a valid name is.</summary>
public static partial class JobNames
{
    /// <summary>Longest Kubernetes name a Job may have: its name is a label value on its pods.</summary>
    public const int MaxKubernetesNameLength = 63;

    /// <summary>The Kubernetes name of a job: test-&lt;name&gt;-e2e.</summary>
    public static string KubernetesName(string name) => $"test-{name}-e2e";

    /// <summary>Folder of the job's Dockerfile and runner, relative to the repository root.</summary>
    public static string JobDirectory(string name) => $"jobs/{KubernetesName(name)}";

    /// <summary>Manifest path, relative to the repository root.</summary>
    public static string ManifestFile(string name) => $"deploy/k8s/99-{KubernetesName(name)}.yaml";

    /// <summary>The short name inside a Kubernetes job name, or null when it does not follow the pattern.</summary>
    public static string? ShortName(string kubernetesName)
    {
        var match = KubernetesNamePattern().Match(kubernetesName);
        return match.Success ? match.Groups["name"].Value : null;
    }

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label.</summary>
    public static bool IsDnsLabel(string value) => value.Length <= 63 && DnsLabelPattern().IsMatch(value);

    /// <summary>Throws a clear error unless <paramref name="name"/> makes valid Kubernetes names.</summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || !DnsLabelPattern().IsMatch(name))
        {
            throw new E2eException("InvalidJobName", E2eErrorCategory.InvalidArgument, name,
                $"The job name '{name}' is not a DNS-1123 label.")
            {
                RecommendedAction = "Use lower-case letters, digits and '-', starting and ending with a letter or digit, for example 'vllm-agent-tools'.",
            };
        }

        var kubernetesName = KubernetesName(name);
        if (kubernetesName.Length > MaxKubernetesNameLength)
        {
            throw new E2eException("JobNameTooLong", E2eErrorCategory.InvalidArgument, name,
                $"The job name '{name}' makes the Kubernetes name '{kubernetesName}' of {kubernetesName.Length} characters; at most {MaxKubernetesNameLength} are allowed.")
            {
                RecommendedAction = $"Use a short name of at most {MaxKubernetesNameLength - "test--e2e".Length} characters.",
            };
        }
    }

    /// <summary>Whether <paramref name="value"/> is a valid environment variable name for Kubernetes.</summary>
    public static bool IsEnvName(string value) => EnvNamePattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex("^test-(?<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)-e2e$", RegexOptions.CultureInvariant)]
    private static partial Regex KubernetesNamePattern();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvNamePattern();
}
