using System.Collections;
using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Manifests;
using E2ePs.Models;

namespace E2ePs.Engine.Scaffolding;

/// <summary>New-E2eJob's engine: validates, renders every file in memory, then writes them all or none.</summary>
public sealed partial class JobScaffolder : IJobScaffolder
{
    /// <summary>Registry used when neither -Registry nor E2EPS_REGISTRY says otherwise.</summary>
    public const string DefaultRegistry = "localhost:5000";

    /// <inheritdoc />
    public IReadOnlyList<string> ListTemplates(string templateRoot) => TemplateDefinition.List(templateRoot);

    /// <inheritdoc />
    public ScaffoldPlan Plan(NewJobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        JobNames.Validate(request.Name);
        if (!Directory.Exists(request.RepositoryRoot))
        {
            throw new E2eException("RepositoryNotFound", E2eErrorCategory.ObjectNotFound, request.RepositoryRoot,
                $"The repository folder '{request.RepositoryRoot}' does not exist or is not a folder.")
            {
                RecommendedAction = "Pass the root of your repository with -Path, or run the command from it.",
            };
        }

        var template = TemplateDefinition.Load(request.TemplateRoot, request.Template);
        var spec = Specify(request);
        var manifest = ManifestBuilder.Build(request.TemplateRoot, template, spec);
        var violations = RestrictedProfile.Check(manifest.Job.Spec.Template.Spec);
        if (violations.Count > 0)
        {
            // Only a hand-edited template can get here; the shipped base manifest is restricted-compliant.
            throw new E2eException("ManifestNotRestricted", E2eErrorCategory.InvalidData, template.Folder,
                $"The manifest would not meet the Pod Security Standards restricted profile: {string.Join("; ", violations)}.");
        }

        var root = Path.GetFullPath(request.RepositoryRoot);
        var jobDirectory = JobNames.JobDirectory(spec.Name);
        var dockerfile = Path.Combine(root, jobDirectory, "Dockerfile");
        var runner = Path.Combine(root, jobDirectory, template.Runner);
        var manifestPath = Path.Combine(root, JobNames.ManifestFile(spec.Name));

        var files = new List<PlannedFile>
        {
            new(dockerfile, File.ReadAllText(template.DockerfilePath).Replace(TemplateDefinition.JobDirectoryToken, jobDirectory, StringComparison.Ordinal), false),
            new(runner, File.ReadAllText(template.RunnerPath), true),
            new(manifestPath, manifest.ToYaml(Header(spec, template)), false),
        };

        var job = JobFactory.FromManifest(manifest, root, manifestPath);
        return new ScaffoldPlan(job, files);
    }

    /// <inheritdoc />
    public E2eJob Write(ScaffoldPlan plan, bool force)
    {
        ArgumentNullException.ThrowIfNull(plan);
        AtomicFileSet.Write(plan.Files, force);
        return plan.Job;
    }

    private static string Header(JobSpecification spec, TemplateDefinition template) =>
        $"E2E job {JobNames.KubernetesName(spec.Name)}, written by E2ePs New-E2eJob from the '{template.Name}' template.\n" +
        "Run it with: Get-E2eJob " + spec.Name + " | Start-E2eJob | Wait-E2eJob | Get-E2eLog\n" +
        "It can be edited by hand; Get-E2eJob reads it back.";

    private static JobSpecification Specify(NewJobRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.TestPath))
        {
            throw new E2eException("TestPathMissing", E2eErrorCategory.InvalidArgument, request.TestPath,
                "No test path was given.") { RecommendedAction = "Pass -TestPath, for example tests/e2e/test_api.py::test_health." };
        }

        var ns = string.IsNullOrEmpty(request.Namespace) ? "default" : request.Namespace;
        if (!JobNames.IsDnsLabel(ns))
        {
            throw new E2eException("InvalidNamespace", E2eErrorCategory.InvalidArgument, ns,
                $"The namespace '{ns}' is not a DNS-1123 label.") { RecommendedAction = "Use the name of an existing namespace, such as 'default'." };
        }

        var repository = request.Repository ?? GitRepositoryInfo.OriginUrl(request.RepositoryRoot);
        if (string.IsNullOrEmpty(repository))
        {
            throw new E2eException("GitRepositoryUnknown", E2eErrorCategory.InvalidArgument, request.RepositoryRoot,
                $"'{request.RepositoryRoot}' has no git remote 'origin', so the URL the cluster should clone is unknown.")
            {
                RecommendedAction = "Pass -Repository with the URL to clone, for example https://github.com/org/repo.git.",
            };
        }

        var cloneUrl = GitRepositoryInfo.ToCloneUrl(repository);
        var branch = request.Branch ?? GitRepositoryInfo.CurrentBranch(request.RepositoryRoot) ?? "main";
        if (!GitRefPattern().IsMatch(branch))
        {
            throw new E2eException("InvalidBranch", E2eErrorCategory.InvalidArgument, branch,
                $"'{branch}' is not a valid git branch name.") { RecommendedAction = "Pass -Branch with an existing branch of the repository." };
        }

        foreach (var secret in request.ImagePullSecrets.Where(s => !JobNames.IsDnsLabel(s) && !IsDnsSubdomain(s)))
        {
            throw new E2eException("InvalidSecretName", E2eErrorCategory.InvalidArgument, secret,
                $"'{secret}' is not a valid Secret name.") { RecommendedAction = "Name a Secret of type kubernetes.io/dockerconfigjson of the job's namespace (kubectl create secret docker-registry)." };
        }

        if (request.GitCredentialSecret is not null && !JobNames.IsDnsLabel(request.GitCredentialSecret) && !IsDnsSubdomain(request.GitCredentialSecret))
        {
            throw new E2eException("InvalidSecretName", E2eErrorCategory.InvalidArgument, request.GitCredentialSecret,
                $"'{request.GitCredentialSecret}' is not a valid Secret name.") { RecommendedAction = "Name a Secret of the job's namespace with keys 'username' and 'password'." };
        }

        var (cpuRequest, cpuLimit) = Resources(request.Cpu, "500m", "2", "Cpu");
        var (memoryRequest, memoryLimit) = Resources(request.Memory, "2Gi", "4Gi", "Memory");
        Positive(request.BackoffLimit, "BackoffLimit", allowZero: true);
        Positive(request.ActiveDeadlineSeconds, "ActiveDeadlineSeconds", allowZero: false);
        Positive(request.TtlSecondsAfterFinished, "TtlSecondsAfterFinished", allowZero: true);

        return new JobSpecification
        {
            Name = request.Name,
            Namespace = ns,
            TestPath = request.TestPath.Trim(),
            Image = ImageReference.Compose(request.Name, request.Image, request.Registry, request.Tag, DefaultRegistry),
            Repository = cloneUrl,
            Branch = branch,
            PartOf = RepositoryName(cloneUrl),
            Env = Environment(request.Env),
            CpuRequest = cpuRequest,
            CpuLimit = cpuLimit,
            MemoryRequest = memoryRequest,
            MemoryLimit = memoryLimit,
            BackoffLimit = request.BackoffLimit,
            ActiveDeadlineSeconds = request.ActiveDeadlineSeconds,
            TtlSecondsAfterFinished = request.TtlSecondsAfterFinished,
            GitCredentialSecret = request.GitCredentialSecret,
            ImagePullSecrets = request.ImagePullSecrets,
        };
    }

    private static List<KeyValuePair<string, string>> Environment(IDictionary? env)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (env is null)
        {
            return result;
        }

        // A hashtable has no order of its own: sort its keys so the manifest is the same every time.
        // An ordered dictionary ([ordered]@{...}) keeps the user's order.
        var entries = env.Cast<DictionaryEntry>();
        if (env is not System.Collections.Specialized.IOrderedDictionary)
        {
            entries = entries.OrderBy(e => Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
        }

        foreach (var entry in entries)
        {
            var name = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            if (!JobNames.IsEnvName(name) || name.StartsWith(JobLabels.ReservedVariablePrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new E2eException("InvalidEnvName", E2eErrorCategory.InvalidArgument, name,
                    $"'{name}' cannot be an environment variable of the job.")
                {
                    RecommendedAction = $"Use letters, digits, '_', '-' and '.', not starting with a digit; names starting with {JobLabels.ReservedVariablePrefix} are E2ePs's own.",
                };
            }

            result.Add(new(name, Convert.ToString(entry.Value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }

        return result;
    }

    private static (string Request, string Limit) Resources(IReadOnlyList<string>? values, string defaultRequest, string defaultLimit, string parameter)
    {
        if (values is null || values.Count == 0)
        {
            return (defaultRequest, defaultLimit);
        }

        if (values.Count > 2)
        {
            throw new E2eException("InvalidResources", E2eErrorCategory.InvalidArgument, values,
                $"-{parameter} takes one value (request and limit) or two (request, then limit).");
        }

        foreach (var value in values)
        {
            if (!IsQuantity(value))
            {
                throw new E2eException("InvalidResources", E2eErrorCategory.InvalidArgument, value,
                    $"'{value}' is not a Kubernetes quantity for -{parameter}.")
                {
                    RecommendedAction = parameter == "Cpu" ? "Use values such as 500m or 2." : "Use values such as 512Mi or 4Gi.",
                };
            }
        }

        return (values[0], values.Count == 2 ? values[1] : values[0]);
    }

    private static void Positive(long? value, string parameter, bool allowZero)
    {
        if (value is null || value > 0 || (allowZero && value == 0))
        {
            return;
        }

        throw new E2eException("InvalidJobSetting", E2eErrorCategory.InvalidArgument, value,
            $"-{parameter} must be {(allowZero ? "zero or more" : "more than zero")}; it is {value}.");
    }

    private static bool IsDnsSubdomain(string value) => value.Length <= 253 && value.Split('.').All(JobNames.IsDnsLabel);

    private static string? RepositoryName(string url)
    {
        var last = url.TrimEnd('/').Split('/', ':').LastOrDefault();
        if (last is null)
        {
            return null;
        }

        last = last.EndsWith(".git", StringComparison.Ordinal) ? last[..^4] : last;
        var label = LabelValuePattern().IsMatch(last) && last.Length <= 63 ? last : null;
        return label;
    }

    [GeneratedRegex(@"^(?!.*\.\.)(?!/)(?!.*//)(?!.*@\{)[^\s~^:?*\[\\\x00-\x1f\x7f]+(?<!\.lock)(?<![/.])$", RegexOptions.CultureInvariant)]
    private static partial Regex GitRefPattern();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+|[mkMGTPE]i?|Ki|u|n)?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    private static bool IsQuantity(string value)
    {
        if (!QuantityPattern().IsMatch(value))
        {
            return false;
        }

        try
        {
            // The client's own parser has the last word: what it accepts, the API server accepts.
            _ = new k8s.Models.ResourceQuantity(value).ToDecimal();
            return true;
        }
        catch (Exception error) when (error is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValuePattern();
}
