using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

public sealed class JobCatalogTests : IDisposable
{
    private readonly TempRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    private void Scaffold(string name) =>
        Scaffolders.ForThisProcess().Write(Scaffolders.ForThisProcess().Plan(new NewJobRequest
        {
            Name = name,
            TestPath = $"tests/e2e/test_{name}.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
        }), force: false);

    [Fact]
    public void A_broken_manifest_is_reported_with_its_line_and_the_others_are_still_returned()
    {
        Scaffold("alpha");
        Scaffold("beta");
        Scaffold("gamma");
        var broken = _repository.PathOf("deploy/k8s/99-test-beta-e2e.yaml");
        var lines = File.ReadAllLines(broken).ToList();
        lines.Insert(8, "  labels: [unclosed");
        File.WriteAllLines(broken, lines);

        var results = new JobCatalog().Find(_repository.Root, []).ToList();

        Assert.Equal(["alpha", "gamma"], results.Where(r => r.Job is not null).Select(r => r.Job!.Name));
        var error = results.Single(r => r.Error is not null).Error!;
        Assert.Equal("InvalidManifest", error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidData, error.Category);
        Assert.Equal(broken, error.Target);
        Assert.Matches(@"line \d+", error.Message);
    }

    [Fact]
    public void An_unknown_field_is_an_error_because_parsing_is_strict()
    {
        Scaffold("alpha");
        var path = _repository.PathOf("deploy/k8s/99-test-alpha-e2e.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("backoffLimit:", "backofLimit:", StringComparison.Ordinal));

        var result = new JobCatalog().Read(path, _repository.Root);

        Assert.Equal("InvalidManifest", result.Error?.ErrorId);
    }

    [Fact]
    public void Wildcards_select_jobs_and_names_are_listed_without_parsing()
    {
        Scaffold("api-smoke");
        Scaffold("api-full");
        Scaffold("ui");

        Assert.Equal(["api-full", "api-smoke"], new JobCatalog().Find(_repository.Root, ["api-*"]).Select(r => r.Job!.Name));
        Assert.Equal(["api-full", "api-smoke", "ui"], new JobCatalog().ListNames(_repository.Root));
    }
}
