using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Validation;

/// <summary>
/// A manifest edited by hand into one E2ePs cannot run as the job its file names is refused when it is
/// read (Get-E2eJob and Start-E2eJob read through the same JobManifest.Load), with the file and what to fix.
/// </summary>
public sealed class ManifestChecksTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly string _path;

    public ManifestChecksTests()
    {
        Scaffolders.ForThisProcess().Write(Scaffolders.ForThisProcess().Plan(new NewJobRequest
        {
            Name = "shop",
            TestPath = "tests/e2e/test_shop.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
            Namespace = "e2e",
        }), force: false);
        _path = _repository.PathOf("deploy/k8s/99-test-shop-e2e.yaml");
    }

    public void Dispose() => _repository.Dispose();

    private E2eException ReadAfter(Func<string, string> edit)
    {
        var text = File.ReadAllText(_path);
        var edited = edit(text);
        Assert.NotEqual(text, edited);
        File.WriteAllText(_path, edited);
        var result = new JobCatalog().Read(_path, _repository.Root);
        Assert.Null(result.Job);
        var error = result.Error!;
        Assert.Equal(E2eErrorCategory.InvalidData, error.Category);
        Assert.Equal(_path, error.Target);
        Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
        return error;
    }

    /// <summary>The Job's own metadata.name: the first "  name:" after "kind: Job".</summary>
    private static string RenameJob(string text, string newName) =>
        new Regex(@"(kind: Job\n(?:.*\n)*?  name: )test-shop-e2e").Replace(text, "${1}" + newName, 1);

    [Fact]
    public void The_scaffolded_manifest_passes_every_check() =>
        Assert.NotNull(new JobCatalog().Read(_path, _repository.Root).Job);

    [Fact]
    public void Yaml_that_the_kubernetes_loader_cannot_even_start_on_names_the_line_and_the_parser_message()
    {
        var error = ReadAfter(t => t.Replace("apiVersion: v1\n", "apiVersion: [v1\n", StringComparison.Ordinal));

        Assert.Equal("InvalidManifest", error.ErrorId);
        Assert.Matches(@"line \d+, column \d+\): \S", error.Message);
        Assert.DoesNotContain("Operation is not valid", error.Message, StringComparison.Ordinal);
        Assert.Contains(_path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_without_a_kind_is_named_by_its_line()
    {
        var error = ReadAfter(t => t.Replace("kind: Role\n", "knd: Role\n", StringComparison.Ordinal));

        Assert.Equal("InvalidManifest", error.ErrorId);
        Assert.Matches(@"document at line \d+", error.Message);
    }

    [Fact]
    public void A_renamed_job_is_refused_with_both_names()
    {
        var error = ReadAfter(t => RenameJob(t, "test-wrongname-e2e"));

        Assert.Equal("ManifestNameMismatch", error.ErrorId);
        Assert.Contains("'test-wrongname-e2e'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'test-shop-e2e'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_without_the_test_container_is_refused()
    {
        var error = ReadAfter(t => t.Replace("name: test-runner", "name: runner", StringComparison.Ordinal));

        Assert.Equal("NoTestContainer", error.ErrorId);
        Assert.Contains("test-runner", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("completions")]
    [InlineData("parallelism")]
    public void A_job_that_would_start_no_pod_is_refused(string field)
    {
        var error = ReadAfter(t => t.Replace("  backoffLimit: 0\n", $"  backoffLimit: 0\n  {field}: 0\n", StringComparison.Ordinal));

        Assert.Equal("InvalidJobSpec", error.ErrorId);
        Assert.Contains(field + ": 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_extra_cluster_role_binding_to_cluster_admin_is_refused_by_kind_and_line()
    {
        const string extra = """
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: everything
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: cluster-admin
            subjects:
            - kind: ServiceAccount
              name: test-shop-e2e
              namespace: e2e

            """;
        var error = ReadAfter(t => t + extra);

        Assert.Equal("UnmanagedManifestDocument", error.ErrorId);
        Assert.Contains("ClusterRoleBinding 'everything'", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"at line \d+", error.Message);
    }

    [Fact]
    public void A_role_binding_to_a_cluster_role_is_refused()
    {
        var error = ReadAfter(t => Regex.Replace(t, @"roleRef:\n  kind: Role\n  apiGroup: rbac.authorization.k8s.io\n  name: test-shop-e2e",
            "roleRef:\n  kind: ClusterRole\n  apiGroup: rbac.authorization.k8s.io\n  name: cluster-admin"));

        Assert.Equal("ManifestRoleBindingInvalid", error.ErrorId);
        Assert.Contains("cluster-admin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_account_in_another_namespace_is_refused_instead_of_moved()
    {
        // The first document is the ServiceAccount: its namespace is the first "namespace: e2e".
        var error = ReadAfter(t => new Regex("namespace: e2e").Replace(t, "namespace: kube-system", 1));

        Assert.Equal("ManifestNamespaceMismatch", error.ErrorId);
        Assert.Contains("ServiceAccount test-shop-e2e in 'kube-system'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'e2e'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_manifest_is_one_error_and_the_job_is_not_also_reported_missing()
    {
        File.WriteAllText(_path, File.ReadAllText(_path).Replace("apiVersion: v1\n", "apiVersion: [v1\n", StringComparison.Ordinal));

        var results = new JobCatalog().Find(_repository.Root, ["shop"]).ToList();

        Assert.Equal("InvalidManifest", Assert.Single(results).Error?.ErrorId);
        Assert.Equal(["shop"], new JobCatalog().ListNames(_repository.Root));
    }
}
