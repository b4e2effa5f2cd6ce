using System.Text.RegularExpressions;

namespace E2ePs.Naming;

/// <summary>
/// The one place where a job's short name becomes its other names and its files: the Kubernetes name
/// test-&lt;name&gt;-e2e, jobs/test-&lt;name&gt;-e2e/ (Dockerfile and runner), deploy/k8s/99-test-&lt;name&gt;-e2e.yaml
/// (the manifest) and the image repository test-&lt;name&gt;-e2e. What a valid short name is lives in
/// <see cref="Validation.ValueRules"/>.
/// </summary>
/// <remarks>
/// It lives in the cmdlet assembly, beside ValueRules, because both sides need it: the cmdlets name
/// files in their messages and find a manifest's repository, the engine scaffolds, reads and builds.
/// Paths are relative to the repository root, with '/' as the separator (Path.Combine accepts it everywhere).
/// </remarks>
public static partial class JobLayout
{
    /// <summary>What every Kubernetes job name of E2ePs starts with.</summary>
    public const string NamePrefix = "test-";

    /// <summary>What every Kubernetes job name of E2ePs ends with.</summary>
    public const string NameSuffix = "-e2e";

    /// <summary>How many characters the prefix and the suffix add to a short name.</summary>
    public const int NameAffixLength = 9;

    /// <summary>Folder of the job folders, relative to the repository root.</summary>
    public const string JobsFolder = "jobs";

    /// <summary>Folder of the manifests, relative to the repository root.</summary>
    public const string ManifestFolder = "deploy/k8s";

    /// <summary>The file name of a job's Dockerfile, in its job folder.</summary>
    public const string DockerfileName = "Dockerfile";

    /// <summary>What a manifest's file name starts with before the Kubernetes name (applied last by kubectl apply -f deploy/k8s).</summary>
    public const string ManifestFilePrefix = "99-";

    /// <summary>The extension of a manifest file.</summary>
    public const string ManifestFileExtension = ".yaml";

    /// <summary>The pattern of every manifest file name, for Directory.EnumerateFiles.</summary>
    public const string ManifestSearchPattern = ManifestFilePrefix + NamePrefix + "*" + NameSuffix + ManifestFileExtension;

    /// <summary>The Kubernetes name of a job: test-&lt;name&gt;-e2e.</summary>
    public static string KubernetesName(string name) => NamePrefix + name + NameSuffix;

    /// <summary>The short name inside a Kubernetes job name, or null when it does not follow the pattern.</summary>
    public static string? ShortName(string? kubernetesName)
    {
        var match = KubernetesNamePattern().Match(kubernetesName ?? "");
        return match.Success ? match.Groups["name"].Value : null;
    }

    /// <summary>The image repository of a job, below the registry: test-&lt;name&gt;-e2e.</summary>
    public static string ImageRepository(string name) => KubernetesName(name);

    /// <summary>The default image of a job: &lt;registry&gt;/test-&lt;name&gt;-e2e:&lt;tag&gt; (latest without a tag).</summary>
    public static string DefaultImage(string registry, string name, string? tag)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return $"{registry.TrimEnd('/')}/{ImageRepository(name)}:{(string.IsNullOrEmpty(tag) ? "latest" : tag)}";
    }

    /// <summary>Folder of the job's Dockerfile and runner: jobs/test-&lt;name&gt;-e2e.</summary>
    public static string JobDirectory(string name) => $"{JobsFolder}/{KubernetesName(name)}";

    /// <summary>The job's Dockerfile: jobs/test-&lt;name&gt;-e2e/Dockerfile.</summary>
    public static string DockerfileFile(string name) => $"{JobDirectory(name)}/{DockerfileName}";

    /// <summary>The job's manifest: deploy/k8s/99-test-&lt;name&gt;-e2e.yaml.</summary>
    public static string ManifestFile(string name) => $"{ManifestFolder}/{ManifestFileName(name)}";

    /// <summary>The file name of the job's manifest: 99-test-&lt;name&gt;-e2e.yaml.</summary>
    public static string ManifestFileName(string name) => ManifestFilePrefix + KubernetesName(name) + ManifestFileExtension;

    /// <summary>
    /// The Kubernetes name a manifest file is named after (99-test-x-e2e.yaml gives test-x-e2e), or null
    /// when the file name does not follow the layout.
    /// </summary>
    public static string? KubernetesNameOfManifest(string manifestPath)
    {
        var fileName = Path.GetFileName(manifestPath ?? "");
        if (!fileName.StartsWith(ManifestFilePrefix, StringComparison.Ordinal) || !fileName.EndsWith(ManifestFileExtension, StringComparison.Ordinal))
        {
            return null;
        }

        var kubernetesName = fileName[ManifestFilePrefix.Length..^ManifestFileExtension.Length];
        return ShortName(kubernetesName) is null ? null : kubernetesName;
    }

    /// <summary>The short name a manifest file is named after, or null when it does not follow the layout.</summary>
    public static string? ShortNameOfManifest(string manifestPath) => ShortName(KubernetesNameOfManifest(manifestPath));

    /// <summary>The repository root of a manifest at deploy/k8s/&lt;file&gt;: two folders up.</summary>
    public static string RepositoryRootOfManifest(string manifestPath)
    {
        var full = Path.GetFullPath(manifestPath);
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full) ?? full, "..", ".."));
    }

    /// <summary>How many characters of a run id end a run's Job name: its random part.</summary>
    public const int RunSuffixLength = 6;

    /// <summary>Longest Kubernetes name of a Job: its name is the value of the job-name label of its pods, a label value of at most 63.</summary>
    public const int MaxJobNameLength = 63;

    /// <summary>
    /// The Kubernetes name of one run's Job: test-&lt;name&gt;-e2e-&lt;the run id's last 6 characters&gt;,
    /// for example test-api-e2e-3f9a1c. Each run is a Job of its own, so nothing is deleted to start one;
    /// the definition's fixed name stays in the manifest on disk. The definition's part is cut where the
    /// whole would pass 63 characters (a '-' left at the cut is dropped), so the name is always a DNS-1123
    /// label; the e2eps.io/job label, not the name, says which definition a run belongs to.
    /// </summary>
    public static string RunJobName(string kubernetesName, string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(kubernetesName);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var suffix = RunSuffix(runId);
        var room = MaxJobNameLength - 1 - suffix.Length;
        var head = kubernetesName.Length > room ? kubernetesName[..room].TrimEnd('-') : kubernetesName;
        return head + "-" + suffix;
    }

    /// <summary>The part of a run id that ends its Job's name (its random part, lower-case hex).</summary>
    public static string RunSuffix(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return runId.Length <= RunSuffixLength ? runId : runId[^RunSuffixLength..];
    }

    [GeneratedRegex("^test-(?<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)-e2e$", RegexOptions.CultureInvariant)]
    private static partial Regex KubernetesNamePattern();
}
