using E2ePs.Contracts;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Fixtures;
using E2ePs.Engine.Tests.Support;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Tests.Overrides;

/// <summary>
/// What Start-E2eJob changes on a manifest, <see cref="ManifestOverrides.Apply"/>, over the manifest New-E2eJob
/// writes for the pytest template (the base manifest templates/job-manifest.yaml), optionally with the fields a
/// manifest saved from the cluster carries (resourceVersion, uid, managedFields and the status of the recorded
/// Job in Fixtures/jobs.json).
/// </summary>
public sealed class ManifestOverridesTableTests
{
    private static readonly Lazy<string> s_scaffolded = new(() =>
    {
        using var repository = new TempRepository();
        var plan = Scaffolders.ForThisProcess().Plan(new NewJobRequest
        {
            Name = "shop",
            TestPath = "tests/e2e/test_shop.py",
            RepositoryRoot = repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
        });
        return plan.Files.Single(f => f.Path.EndsWith(".yaml", StringComparison.Ordinal)).Content;
    });

    /// <summary>name, namespace, run id, image, branch, env ("K=V;K2=V2"), saved from the cluster → what the manifest then says ("field=value").</summary>
    public static TheoryData<string, string, string, string?, string?, string?, bool, string[]> Rows => new()
    {
        { "every document and the RoleBinding's ServiceAccount subject move to the namespace", "team-b", "r-1", null, null, null, false,
            ["ServiceAccount.namespace=team-b", "Role.namespace=team-b", "RoleBinding.namespace=team-b", "Job.namespace=team-b", "subject.namespace=team-b"] },
        { "the run id labels the Job and its pod template; the job label stays", "e2e", "r-20261205-100000-ab12", null, null, null, false,
            ["Job.label.e2eps.io/run-id=r-20261205-100000-ab12", "template.label.e2eps.io/run-id=r-20261205-100000-ab12", "Job.label.e2eps.io/job=shop"] },
        { "a manifest saved from the cluster loses what only the server sets", "e2e", "r-2", null, null, null, true,
            ["Job.resourceVersion=", "Job.uid=", "Job.managedFields=", "Job.status=", "RoleBinding.resourceVersion=", "ServiceAccount.uid=", "Role.managedFields="] },
        { "-Image replaces the test container's image only", "e2e", "r-1", "registry.example.com/shop/test-shop-e2e:3f9c2a1", null, null, false,
            ["test.image=registry.example.com/shop/test-shop-e2e:3f9c2a1", "clone.image=docker.io/alpine/git:v2.47.2"] },
        { "-Branch sets the clone's GIT_BRANCH", "e2e", "r-1", null, "feature/checkout", null, false, ["clone.env.GIT_BRANCH=feature/checkout"] },
        { "-Env adds a variable", "e2e", "r-1", null, null, "MODE=fast", false, ["test.env.MODE=fast"] },
        { "-Env values reach the container as written: $( is escaped against expansion", "e2e", "r-1", null, null, "GREETING=$(HOME) costs $5", false, ["test.env.GREETING=$$(HOME) costs $5"] },
        { "-Env replaces a variable read from a Secret with the value given", "e2e", "r-1", null, null, "API_TOKEN=local", false, ["test.env.API_TOKEN=local", "test.envFrom.API_TOKEN="] },
        { "no override changes no image and no branch", "e2e", "r-1", null, null, null, false, ["test.image=unchanged", "clone.env.GIT_BRANCH=unchanged"] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Overrides_are_set_on_the_typed_objects(string name, string ns, string runId, string? image, string? branch, string? env, bool fromCluster, string[] expected)
    {
        var manifest = Manifest(fromCluster);
        var before = Manifest(fromCluster);

        ManifestOverrides.Apply(manifest, ns, runId, image, branch, Env(env));

        foreach (var expectation in expected)
        {
            var (field, value) = (expectation[..expectation.IndexOf('=', StringComparison.Ordinal)], expectation[(expectation.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            var want = value == "unchanged" ? Read(before, field) : value.Length == 0 ? null : value;
            Assert.True(want == Read(manifest, field), $"{name}: {field} is '{Read(manifest, field)}', expected '{want}'");
        }
    }

    /// <summary>name, image, branch, env, no clone container → error id. A refused override changes nothing.</summary>
    public static TheoryData<string, string?, string?, string?, bool, string> Refusals => new()
    {
        { "a branch git refuses", null, "a..b", null, false, "InvalidBranch" },
        { "a reserved variable", null, null, "OK=1;E2EPS_TEST_PATH=x", false, "InvalidEnvName" },
        { "a variable name Kubernetes refuses", null, null, "1BAD=x", false, "InvalidEnvName" },
        { "an image reference in upper case", "Registry.Example.com/Shop:1", null, null, false, "InvalidImageReference" },
        { "-Branch on a Job without the clone container", null, "main", null, true, "NoCloneContainer" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_override_changes_nothing(string name, string? image, string? branch, string? env, bool withoutClone, string errorId)
    {
        var manifest = Manifest(fromCluster: true);
        if (withoutClone)
        {
            manifest.Job.Spec.Template.Spec.InitContainers = null;
        }

        var original = string.Join("---\n", manifest.Documents.Select(d => KubernetesYaml.Serialize(d)));

        var error = Assert.Throws<E2eException>(() => ManifestOverrides.Apply(manifest, "team-b", "r-9", image, branch, Env(env)));

        Assert.True(errorId == error.ErrorId, $"{name}: {error.ErrorId}");
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.Equal(original, string.Join("---\n", manifest.Documents.Select(d => KubernetesYaml.Serialize(d))));
    }

    private static JobManifest Manifest(bool fromCluster)
    {
        var manifest = JobManifest.Parse(s_scaffolded.Value, "test");

        // A variable read from a Secret, as -SecretEnv writes it.
        manifest.TestContainer.Env.Add(new V1EnvVar { Name = "API_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "shop-api", Key = "token" } } });
        if (fromCluster)
        {
            var recorded = Recorded.Job("complete");
            foreach (var document in manifest.Documents)
            {
                document.Metadata.ResourceVersion = recorded.Metadata.ResourceVersion;
                document.Metadata.Uid = recorded.Metadata.Uid;
                document.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "e2eps", Operation = "Apply", ApiVersion = "v1", FieldsType = "FieldsV1" }];
            }

            manifest.Job.Status = recorded.Status;
        }

        return manifest;
    }

    private static List<KeyValuePair<string, string>>? Env(string? env) =>
        env is null ? null : [.. env.Split(';').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]))];

    private static string? Read(JobManifest manifest, string field)
    {
        var parts = field.Split('.', 2);
        var document = parts[0] switch
        {
            "ServiceAccount" => (IKubernetesObject<V1ObjectMeta>)manifest.ServiceAccount,
            "Role" => manifest.Role,
            "RoleBinding" => manifest.RoleBinding,
            "Job" => manifest.Job,
            _ => null,
        };
        if (document is not null)
        {
            return parts[1] switch
            {
                "namespace" => document.Metadata.NamespaceProperty,
                "resourceVersion" => document.Metadata.ResourceVersion,
                "uid" => document.Metadata.Uid,
                "managedFields" => document.Metadata.ManagedFields is null ? null : "set",
                "status" => manifest.Job.Status is null ? null : "set",
                var label when label.StartsWith("label.", StringComparison.Ordinal) => Label(document.Metadata.Labels, label["label.".Length..]),
                _ => throw new ArgumentException(field),
            };
        }

        return field switch
        {
            "subject.namespace" => manifest.RoleBinding.Subjects.Single(s => s.Kind == "ServiceAccount").NamespaceProperty,
            "test.image" => manifest.TestContainer.Image,
            "clone.image" => manifest.CloneContainer?.Image,
            var label when label.StartsWith("template.label.", StringComparison.Ordinal) => Label(manifest.Job.Spec.Template.Metadata?.Labels, label["template.label.".Length..]),
            var env when env.StartsWith("test.env.", StringComparison.Ordinal) => manifest.TestContainer.Env?.SingleOrDefault(e => e.Name == env["test.env.".Length..])?.Value,
            var env when env.StartsWith("test.envFrom.", StringComparison.Ordinal) => manifest.TestContainer.Env?.SingleOrDefault(e => e.Name == env["test.envFrom.".Length..])?.ValueFrom?.SecretKeyRef?.Name,
            var env when env.StartsWith("clone.env.", StringComparison.Ordinal) => manifest.CloneContainer?.Env?.SingleOrDefault(e => e.Name == env["clone.env.".Length..])?.Value,
            _ => throw new ArgumentException(field),
        };
    }

    private static string? Label(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var value) ? value : null;
}
