using E2ePs.Contracts;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Manifests;

/// <summary>
/// Reading a job back from its manifest, <see cref="JobFactory.FromManifest"/>, as Get-E2eJob does: each row
/// scaffolds a job with New-E2eJob's engine from the shipped templates, writes nothing, parses the YAML it would
/// write, and reads the job back; what comes back is what was asked for.
/// </summary>
public sealed class JobFactoryTableTests
{
    /// <summary>name, template, test path, env ("K=V;..."), secret env ("K=secret/key;..."), branch, git credential Secret, annotations removed (a hand-written manifest) → runner file.</summary>
    public static TheoryData<string, string, string, string?, string?, string?, string?, bool, string> Rows => new()
    {
        { "pytest with an environment", "pytest", "tests/e2e/test_shop.py", "MODE=fast;RETRIES=3", null, null, null, false, "run_test.py" },
        { "Pester with a value Kubernetes would expand", "pester", "tests/Shop.Tests.ps1", "GREETING=$(HOME) costs $5", null, null, null, false, "run-tests.ps1" },
        { "dotnet with a Secret, a branch and git credentials", "dotnet", "tests/Shop.E2e/Shop.E2e.csproj", null, "API_TOKEN=shop-api/token", "release/1.2", "shop-git", false, "run-tests.sh" },
        { "a hand-written manifest without E2ePs's annotations", "pytest", "tests/e2e/test_cart.py", "MODE=slow", null, null, null, true, "" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_job_reads_back_as_it_was_scaffolded(string name, string template, string testPath, string? env, string? secretEnv, string? branch, string? gitSecret, bool bare, string runner)
    {
        using var repository = new TempRepository();
        var plan = Scaffolders.ForThisProcess().Plan(new NewJobRequest
        {
            Name = "shop",
            Template = template,
            TestPath = testPath,
            RepositoryRoot = repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
            Env = Table(env) ?? [],
            SecretEnv = Table(secretEnv) ?? [],
            Branch = branch,
            GitCredentialSecret = gitSecret,
        });
        var manifestFile = plan.Files.Single(f => f.Path.EndsWith(".yaml", StringComparison.Ordinal));
        var manifest = JobManifest.Parse(manifestFile.Content, manifestFile.Path);
        if (bare)
        {
            manifest.Job.Metadata.Annotations = null;
        }

        var job = JobFactory.FromManifest(manifest, repository.Root, manifestFile.Path);

        Assert.Equal("shop", job.Name);
        Assert.Equal("test-shop-e2e", job.JobName);
        Assert.Equal(testPath, job.TestPath);
        Assert.Equal(bare ? "" : template, job.Template);
        Assert.True(runner.Length == 0 ? job.RunnerPath.Length == 0 : job.RunnerPath == Path.Combine(repository.Root, "jobs", "test-shop-e2e", runner), $"{name}: runner {job.RunnerPath}");
        Assert.Equal(Path.Combine(repository.Root, "jobs", "test-shop-e2e", "Dockerfile"), job.DockerfilePath);
        Assert.Equal(manifestFile.Path, job.ManifestPath);
        Assert.Equal(plan.Job.Image, job.Image);
        Assert.Equal("https://github.com/example/shop.git", job.Repository);
        Assert.Equal(branch ?? "feature/e2e", job.Branch);
        Assert.Equal("test-shop-e2e", job.ServiceAccountName);
        Assert.Equal(gitSecret, job.GitCredentialSecret);
        // The template's fixed environment (template.yaml) comes back beside the job's own.
        Assert.Equal(Pairs(plan.Job.Env), Pairs(job.Env));
        Assert.All(env?.Split(';') ?? [], pair => Assert.Contains(pair, Pairs(job.Env).Split(';')));
        Assert.Equal(Pairs(secretEnv), Pairs(job.SecretEnv));
    }

    private static List<KeyValuePair<string, string>>? Table(string? pairs) =>
        pairs is null ? null : [.. pairs.Split(';').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]))];

    private static string Pairs(string? pairs) => pairs is null ? "" : string.Join(";", pairs.Split(';').Order(StringComparer.Ordinal));

    private static string Pairs(IReadOnlyDictionary<string, string> pairs) => string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal));
}
