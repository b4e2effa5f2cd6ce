using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

/// <summary>-SecretEnv reads a variable from a Secret, and a secret-looking -Env name is warned about (issue 11, item 3).</summary>
public sealed class SecretEnvTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly JobScaffolder _scaffolder = Scaffolders.ForThisProcess();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public void A_secret_variable_becomes_a_secret_key_ref_and_its_value_is_nowhere_in_the_manifest()
    {
        var request = Request(secretEnv: [new("DB_PASSWORD", "db-credentials/password"), new("API_TOKEN", "api.tokens/ci_token-1")]);

        var plan = _scaffolder.Plan(request);
        var job = _scaffolder.Write(plan, force: false);

        var env = JobManifest.Parse(File.ReadAllText(job.ManifestPath), "test").TestContainer.Env;
        var password = env.Single(e => e.Name == "DB_PASSWORD");
        Assert.Null(password.Value);
        Assert.Equal("db-credentials", password.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("password", password.ValueFrom.SecretKeyRef.Key);
        Assert.Equal("api.tokens", env.Single(e => e.Name == "API_TOKEN").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("ci_token-1", env.Single(e => e.Name == "API_TOKEN").ValueFrom.SecretKeyRef.Key);
        Assert.Empty(plan.Warnings);

        var read = new JobCatalog().Read(job.ManifestPath, _repository.Root).Job!;
        Assert.Equal("db-credentials/password", read.SecretEnv["DB_PASSWORD"]);
        Assert.False(read.Env.ContainsKey("DB_PASSWORD"));
        Assert.Empty(RestrictedProfile.Check(JobManifest.Parse(File.ReadAllText(job.ManifestPath), "test").Job.Spec.Template.Spec));
    }

    [Theory]
    [InlineData("PASSWORD")]
    [InlineData("db_password")]
    [InlineData("GITHUB_TOKEN")]
    [InlineData("ClientSecret")]
    [InlineData("API_KEY")]
    [InlineData("AWS_ACCESS_KEY_ID")]
    [InlineData("CREDENTIALS_FILE")]
    public void A_plain_variable_named_like_a_secret_is_warned_about(string name)
    {
        var plan = _scaffolder.Plan(Request(env: [new(name, "hunter2"), new("SERVICE_URL", "http://svc")]));

        var warning = Assert.Single(plan.Warnings);
        Assert.Contains($"'{name}'", warning, StringComparison.Ordinal);
        Assert.Contains("-SecretEnv", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-slash", "InvalidSecretReference")]
    [InlineData("Upper/key", "InvalidSecretReference")]
    [InlineData("/key", "InvalidSecretReference")]
    [InlineData("name/", "InvalidSecretReference")]
    [InlineData("name/..hidden", "InvalidSecretReference")]
    [InlineData("name/.", "InvalidSecretReference")]
    [InlineData("name/with space", "InvalidSecretReference")]
    [InlineData("name/a/b", "InvalidSecretReference")]
    [InlineData("bad_name/key", "InvalidSecretReference")]
    [InlineData("-lead/key", "InvalidSecretReference")]
    public void A_bad_secret_reference_is_refused_and_nothing_is_planned(string reference, string errorId)
    {
        var error = Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(secretEnv: [new("DB_PASSWORD", reference)])));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.Contains("secret-name/key", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("E2EPS_TEST_PATH")]
    [InlineData("9LIVES")]
    public void A_bad_secret_variable_name_is_refused(string name) =>
        Assert.Equal("InvalidEnvName", Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(secretEnv: [new(name, "s/k")]))).ErrorId);

    [Fact]
    public void A_variable_in_both_env_and_secret_env_is_refused() =>
        Assert.Equal("DuplicateEnvName", Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(
            env: [new("DB_PASSWORD", "x")], secretEnv: [new("DB_PASSWORD", "s/k")]))).ErrorId);

    private NewJobRequest Request(IReadOnlyList<KeyValuePair<string, string>>? env = null, IReadOnlyList<KeyValuePair<string, string>>? secretEnv = null) => new()
    {
        Name = "secrets",
        TestPath = "tests/e2e/test_secrets.py",
        RepositoryRoot = _repository.Root,
        TemplateRoot = RepositoryLayout.Templates,
        Repository = "https://github.com/example/shop.git",
        Env = env ?? [],
        SecretEnv = secretEnv ?? [],
    };
}
