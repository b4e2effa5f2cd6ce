using System.Collections;
using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Platform;
using E2ePs.Naming;
using E2ePs.Validation;
using E2ePs.Models;

namespace E2ePs.Engine.Scaffolding;

/// <summary>
/// New-E2eJob's engine: validates, renders every file in memory, then writes them all or none. The
/// repository's origin and branch come from <paramref name="git"/>, E2EPS_REGISTRY from <paramref name="processEnvironment"/>.
/// </summary>
public sealed partial class JobScaffolder(GitRepositoryInfo git, IProcessEnvironment processEnvironment) : IJobScaffolder
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
        var warnings = new List<string>();
        var spec = Specify(request, warnings);
        var manifest = ManifestBuilder.Build(request.TemplateRoot, template, spec);
        var violations = RestrictedProfile.Check(manifest.Job.Spec.Template.Spec);
        if (violations.Count > 0)
        {
            // Only a hand-edited template can get here; the shipped base manifest is restricted-compliant.
            throw new E2eException("ManifestNotRestricted", E2eErrorCategory.InvalidData, template.Folder,
                $"The manifest would not meet the Pod Security Standards restricted profile: {string.Join("; ", violations)}.");
        }

        var root = Path.GetFullPath(request.RepositoryRoot);
        var jobDirectory = JobLayout.JobDirectory(spec.Name);
        var dockerfile = Path.Combine(root, JobLayout.DockerfileFile(spec.Name));
        var runner = Path.Combine(root, jobDirectory, template.Runner);
        var manifestPath = Path.Combine(root, JobLayout.ManifestFile(spec.Name));

        var files = new List<PlannedFile>
        {
            new(dockerfile, File.ReadAllText(template.DockerfilePath).Replace(TemplateDefinition.JobDirectoryToken, jobDirectory, StringComparison.Ordinal), false),
            new(runner, File.ReadAllText(template.RunnerPath), true),
            new(manifestPath, manifest.ToYaml(Header(spec, template)), false),
        };

        var job = JobFactory.FromManifest(manifest, root, manifestPath);
        return new ScaffoldPlan(job, files) { Warnings = warnings };
    }

    /// <inheritdoc />
    public E2eJob Write(ScaffoldPlan plan, bool force)
    {
        ArgumentNullException.ThrowIfNull(plan);
        AtomicFileSet.Write(plan.Files, force);
        return plan.Job;
    }

    private static string Header(JobSpecification spec, TemplateDefinition template) =>
        $"E2E job {JobLayout.KubernetesName(spec.Name)}, written by E2ePs New-E2eJob from the '{template.Name}' template.\n" +
        "Run it with: Get-E2eJob " + spec.Name + " | Start-E2eJob | Wait-E2eJob | Get-E2eLog\n" +
        "It can be edited by hand; Get-E2eJob reads it back.";

    private JobSpecification Specify(NewJobRequest request, List<string> warnings)
    {
        if (string.IsNullOrWhiteSpace(request.TestPath))
        {
            throw new E2eException("TestPathMissing", E2eErrorCategory.InvalidArgument, request.TestPath,
                "No test path was given.") { RecommendedAction = "Pass -TestPath, for example tests/e2e/test_api.py::test_health." };
        }

        var ns = string.IsNullOrEmpty(request.Namespace) ? "default" : request.Namespace;
        ValueRules.Namespace(ns);

        var repository = request.Repository ?? git.OriginRemote(request.RepositoryRoot);
        if (string.IsNullOrEmpty(repository))
        {
            throw new E2eException("GitRepositoryUnknown", E2eErrorCategory.InvalidArgument, request.RepositoryRoot,
                $"'{request.RepositoryRoot}' has no git remote 'origin', so the URL the cluster should clone is unknown.")
            {
                RecommendedAction = "Pass -Repository with the URL to clone, for example https://github.com/org/repo.git.",
            };
        }

        var cloneUrl = GitRepositoryInfo.ToCloneUrl(repository, out var credentialsRemoved);
        if (credentialsRemoved)
        {
            warnings.Add($"The repository URL carried credentials; the manifest clones '{cloneUrl}' without them. " +
                "For a private repository, put the credentials in a Secret and pass -GitCredentialSecret.");
        }

        var branch = request.Branch ?? git.CurrentBranch(request.RepositoryRoot) ?? "main";
        ValueRules.Branch(branch);

        foreach (var secret in request.ImagePullSecrets.Where(s => !JobNames.IsDnsLabel(s) && !ValueRules.IsDnsSubdomain(s)))
        {
            throw new E2eException("InvalidSecretName", E2eErrorCategory.InvalidArgument, secret,
                $"'{secret}' is not a valid Secret name.") { RecommendedAction = "Name a Secret of type kubernetes.io/dockerconfigjson of the job's namespace (kubectl create secret docker-registry)." };
        }

        if (request.GitCredentialSecret is not null && !JobNames.IsDnsLabel(request.GitCredentialSecret) && !ValueRules.IsDnsSubdomain(request.GitCredentialSecret))
        {
            throw new E2eException("InvalidSecretName", E2eErrorCategory.InvalidArgument, request.GitCredentialSecret,
                $"'{request.GitCredentialSecret}' is not a valid Secret name.") { RecommendedAction = "Name a Secret of the job's namespace with keys 'username' and 'password'." };
        }

        var (cpuRequest, cpuLimit) = ValueRules.Resources(request.Cpu, "500m", "2", "Cpu");
        var (memoryRequest, memoryLimit) = ValueRules.Resources(request.Memory, "2Gi", "4Gi", "Memory");
        Positive(request.BackoffLimit, "BackoffLimit", allowZero: true);
        Positive(request.ActiveDeadlineSeconds, "ActiveDeadlineSeconds", allowZero: false);
        Positive(request.TtlSecondsAfterFinished, "TtlSecondsAfterFinished", allowZero: true);

        var env = Environment(request.Env);
        var secretEnv = SecretEnvironment(request.SecretEnv);
        foreach (var clash in secretEnv.Select(r => r.Name).Intersect(env.Select(e => e.Key), StringComparer.Ordinal))
        {
            throw new E2eException("DuplicateEnvName", E2eErrorCategory.InvalidArgument, clash,
                $"'{clash}' is given both in -Env and in -SecretEnv.") { RecommendedAction = "Give each variable once: a Secret's value with -SecretEnv, any other with -Env." };
        }

        foreach (var (name, _) in env.Where(e => LooksLikeSecret(e.Key)))
        {
            warnings.Add($"The variable '{name}' looks like it holds a secret, and its value is written in clear into the manifest, which is usually committed. " +
                $"Keep it in a Kubernetes Secret and pass -SecretEnv @{{ {name} = 'secret-name/key' }} instead.");
        }

        return new JobSpecification
        {
            Name = request.Name,
            Namespace = ns,
            TestPath = request.TestPath.Trim(),
            Image = ImageReference.Compose(request.Name, request.Image, request.Registry ?? processEnvironment.Variable(ImageReference.RegistryVariable) ?? DefaultRegistry, request.Tag),
            Repository = cloneUrl,
            Branch = branch,
            PartOf = RepositoryName(cloneUrl),
            Env = env,
            SecretEnv = secretEnv,
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

    private static List<KeyValuePair<string, string>> Environment(IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in NamedEntries(env))
        {
            result.Add(new(name, value));
        }

        return result;
    }

    /// <summary>
    /// The entries of an -Env or -SecretEnv list in the order given (the cmdlet sorts a hashtable's
    /// and keeps an ordered dictionary's), each name checked by <see cref="ValueRules.EnvName"/>.
    /// </summary>
    private static IEnumerable<(string Name, string Value)> NamedEntries(IReadOnlyList<KeyValuePair<string, string>> env)
    {
        foreach (var (name, value) in env)
        {
            ValueRules.EnvName(name);
            yield return (name, value);
        }
    }

    /// <summary>Whether a variable's name says that its value is a secret (PASSWORD, TOKEN, SECRET, KEY, CREDENTIAL).</summary>
    public static bool LooksLikeSecret(string name) =>
        s_secretNameParts.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] s_secretNameParts = ["PASSWORD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"];

    private static List<SecretEnvReference> SecretEnvironment(IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var result = new List<SecretEnvReference>();
        foreach (var (name, reference) in NamedEntries(env))
        {
            var slash = reference.IndexOf('/', StringComparison.Ordinal);
            var secret = slash < 0 ? reference : reference[..slash];
            var key = slash < 0 ? "" : reference[(slash + 1)..];
            if (!ValueRules.IsDnsSubdomain(secret))
            {
                throw new E2eException("InvalidSecretReference", E2eErrorCategory.InvalidArgument, reference,
                    $"-SecretEnv {name} = '{reference}': '{secret}' is not a valid Secret name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.').")
                {
                    RecommendedAction = $"Write the value as 'secret-name/key', for example @{{ {name} = 'db-credentials/password' }}.",
                };
            }

            if (!IsSecretKey(key))
            {
                throw new E2eException("InvalidSecretReference", E2eErrorCategory.InvalidArgument, reference,
                    $"-SecretEnv {name} = '{reference}': '{key}' is not a valid key of a Secret (letters, digits, '-', '_' and '.', at most 253, not '.' or starting with '..').")
                {
                    RecommendedAction = $"Write the value as 'secret-name/key', for example @{{ {name} = '{secret}/password' }}.",
                };
            }

            result.Add(new SecretEnvReference(name, secret, key));
        }

        return result;
    }

    // k8s.io/apimachinery pkg/util/validation/validation.go, IsConfigMapKey (the rule for Secret keys too).
    private static bool IsSecretKey(string key) =>
        key.Length is > 0 and <= 253 && SecretKeyPattern().IsMatch(key) && key != "." && !key.StartsWith("..", StringComparison.Ordinal);

    [GeneratedRegex("^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretKeyPattern();

    private static void Positive(long? value, string parameter, bool allowZero)
    {
        if (value is null || value > 0 || (allowZero && value == 0))
        {
            return;
        }

        throw new E2eException("InvalidJobSetting", E2eErrorCategory.InvalidArgument, value,
            $"-{parameter} must be {(allowZero ? "zero or more" : "more than zero")}; it is {value}.");
    }


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

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValuePattern();
}
