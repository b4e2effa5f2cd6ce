using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

/// <summary>An -Env value reaches the container exactly as given, and Get-E2eJob shows it so (issue 11, item 7).</summary>
public sealed class EnvValueTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly JobScaffolder _scaffolder = Scaffolders.ForThisProcess();

    public void Dispose() => _repository.Dispose();

    public static TheoryData<string> Values => new()
    {
        "$(A)",
        "$$(A)",
        "$$$(A)",
        "x$(A)y$(B)z",
        "$$",
        "$$$",
        "$",
        "a$",
        "$HOME and $1 and ${A}",
        "$(",
        "$(A",
        "$)",
        "$(UNDEFINED)",
        "$$(UNDEFINED)",
        "a\r\nb",
        "\r\n",
        "a\rb",
        "line1\nline2\r\nline3\r",
        "trailing spaces   ",
        "   leading spaces",
        "tab\there",
        "unicode: ünïcödé ✓ 🚀 日本語",
        "# not a comment",
        "key: value",
        "a: b\r\n- c\r\n---\r\n",
        "'single' \"double\" \\backslash\\",
        "",
        "  ",
        "null",
        "0755",
        "$(A)\r\n$$(A)\r\n",
        "\u2028\u0085",
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_value_is_written_read_back_and_expanded_by_kubernetes_unchanged(string value)
    {
        // A is defined before V, so an unescaped $(A) in V would become "alpha" in the container; W
        // after V and a second copy of V show that a rewritten scalar leaves the YAML around it intact.
        List<KeyValuePair<string, string>> env = [new("A", "alpha"), new("B", "beta"), new("V", value), new("W", "after"), new("V2", value)];
        var job = _scaffolder.Write(_scaffolder.Plan(Request(env)), force: false);
        var text = File.ReadAllText(job.ManifestPath);

        var container = JobManifest.Parse(text, job.ManifestPath).TestContainer;
        var seen = KubernetesExpansion.Environment(container.Env);

        Assert.Equal(value, seen["V"]);
        Assert.Equal(value, seen["V2"]);
        Assert.Equal("after", seen["W"]);
        Assert.Equal("alpha", seen["A"]);
        Assert.Equal(value, new JobCatalog().Read(job.ManifestPath, _repository.Root).Job!.Env["V"]);
        Assert.Equal(value, job.Env["V"]);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void A_value_set_by_start_reaches_the_container_unchanged(string value)
    {
        var job = _scaffolder.Write(_scaffolder.Plan(Request([new("A", "alpha")])), force: false);
        var manifest = JobManifest.Parse(File.ReadAllText(job.ManifestPath), job.ManifestPath);

        ManifestOverrides.Apply(manifest, "default", "run-1", image: null, branch: null, env: [new("V", value)]);

        // What the API server receives is JSON; read it back as the kubelet would.
        var sent = k8s.KubernetesJson.Deserialize<k8s.Models.V1Job>(k8s.KubernetesJson.Serialize(manifest.Job));
        Assert.Equal(value, KubernetesExpansion.Environment(sent.Spec.Template.Spec.Containers.Single(c => c.Name == JobLabels.TestContainer).Env)["V"]);
    }

    [Theory]
    [InlineData("$(A)", "$$(A)")]
    [InlineData("$$(A)", "$$$$(A)")]
    [InlineData("$$", "$$$$")]
    [InlineData("$", "$")]
    [InlineData("$HOME", "$HOME")]
    [InlineData("plain", "plain")]
    public void Escaping_doubles_only_the_dollars_kubernetes_would_read(string value, string written) =>
        Assert.Equal(written, EnvValues.Escape(value));

    [Fact]
    public void A_carriage_return_is_written_as_a_double_quoted_escape()
    {
        var job = _scaffolder.Write(_scaffolder.Plan(Request([new("V", "a\r\nb")])), force: false);

        var text = File.ReadAllText(job.ManifestPath);

        Assert.Contains("value: \"a\\r\\nb\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', text);
    }

    [Fact]
    public void A_reference_written_by_hand_is_shown_as_written()
    {
        Assert.Equal("$(POD_NAME)", EnvValues.Unescape("$(POD_NAME)"));
        Assert.Equal("$(POD_NAME)", EnvValues.Unescape(EnvValues.Escape("$(POD_NAME)")));
    }

    private NewJobRequest Request(IReadOnlyList<KeyValuePair<string, string>> env) => new()
    {
        Name = "values",
        TestPath = "tests/e2e/test_values.py",
        RepositoryRoot = _repository.Root,
        TemplateRoot = RepositoryLayout.Templates,
        Repository = "https://github.com/example/shop.git",
        Env = env,
    };
}
