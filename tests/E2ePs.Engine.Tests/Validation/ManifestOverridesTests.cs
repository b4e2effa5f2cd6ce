using E2ePs.Contracts;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;
using k8s;

namespace E2ePs.Engine.Tests.Validation;

/// <summary>Start-E2eJob's overrides follow New-E2eJob's rules, and a refused one changes nothing on the manifest.</summary>
public sealed class ManifestOverridesTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly JobManifest _manifest;
    private readonly string _original;

    public ManifestOverridesTests()
    {
        var plan = Scaffolders.ForThisProcess().Plan(new NewJobRequest
        {
            Name = "shop",
            TestPath = "tests/e2e/test_shop.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
        });
        _manifest = JobManifest.Parse(plan.Files[2].Content, "test");
        _original = KubernetesYaml.Serialize(_manifest.Job);
    }

    public void Dispose() => _repository.Dispose();

    [Theory]
    [InlineData("a..b", null, "InvalidBranch")]
    [InlineData("-x", null, "InvalidBranch")]
    [InlineData(null, "E2EPS_TEST_PATH", "InvalidEnvName")]
    [InlineData(null, "e2eps_job", "InvalidEnvName")]
    [InlineData(null, "1BAD", "InvalidEnvName")]
    public void A_branch_or_env_name_new_e2ejob_refuses_is_refused_before_anything_is_set(string? branch, string? envName, string id)
    {
        List<KeyValuePair<string, string>>? env = envName is null ? null : [new("OK", "1"), new(envName, "x")];

        var error = Assert.Throws<E2eException>(() => ManifestOverrides.Apply(_manifest, "other", "run-1", null, branch, env));

        Assert.Equal(id, error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.Equal(branch ?? envName, error.Target);
        Assert.Equal(_original, KubernetesYaml.Serialize(_manifest.Job));
    }

    [Fact]
    public void Valid_overrides_are_set()
    {
        ManifestOverrides.Apply(_manifest, "other", "run-1", null, "feature/x", [new("MODE", "fast")]);

        Assert.Equal("feature/x", _manifest.CloneContainer!.Env.Single(e => e.Name == "GIT_BRANCH").Value);
        Assert.Equal("fast", _manifest.TestContainer.Env.Single(e => e.Name == "MODE").Value);
        Assert.All(_manifest.Documents, d => Assert.Equal("other", d.Metadata.NamespaceProperty));
    }
}
