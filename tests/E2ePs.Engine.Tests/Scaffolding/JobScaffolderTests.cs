using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

public sealed class JobScaffolderTests : IDisposable
{
    private const string GuideTest = "tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm-agent_with_smart_context";
    private readonly TempRepository _repository = new();
    private readonly JobScaffolder _scaffolder = Scaffolders.ForThisProcess();

    public void Dispose() => _repository.Dispose();

    private NewJobRequest Request(string name = "vllm-agent-tools", string template = "pytest", IReadOnlyList<KeyValuePair<string, string>>? env = null) => new()
    {
        Name = name,
        TestPath = GuideTest,
        RepositoryRoot = _repository.Root,
        TemplateRoot = RepositoryLayout.Templates,
        Template = template,
        Namespace = "swe-ai-fleet",
        Env = env ?? [],
    };

    [Fact]
    public void Plan_renders_the_three_files_of_the_guides_layout()
    {
        var plan = _scaffolder.Plan(Request());

        Assert.Equal(
            [
                _repository.PathOf("jobs/test-vllm-agent-tools-e2e/Dockerfile"),
                _repository.PathOf("jobs/test-vllm-agent-tools-e2e/run_test.py"),
                _repository.PathOf("deploy/k8s/99-test-vllm-agent-tools-e2e.yaml"),
            ],
            plan.Files.Select(f => f.Path));
        Assert.Contains("COPY jobs/test-vllm-agent-tools-e2e/run_test.py /app/run_test.py", plan.Files[0].Content, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", plan.Files[0].Content, StringComparison.Ordinal);
        Assert.True(plan.Files[1].Executable);
        Assert.False(Directory.Exists(_repository.PathOf("jobs")), "planning must write nothing");
    }

    [Fact]
    public void Manifest_runs_under_its_own_service_account_and_meets_the_restricted_profile()
    {
        var plan = _scaffolder.Plan(Request());
        var manifest = JobManifest.Parse(plan.Files[2].Content, "test");
        var pod = manifest.Job.Spec.Template.Spec;

        Assert.Equal("test-vllm-agent-tools-e2e", manifest.ServiceAccount.Metadata.Name);
        Assert.Equal(manifest.ServiceAccount.Metadata.Name, pod.ServiceAccountName);
        Assert.Equal(manifest.ServiceAccount.Metadata.Name, manifest.RoleBinding.Subjects.Single().Name);
        Assert.Equal("swe-ai-fleet", manifest.RoleBinding.Subjects.Single().NamespaceProperty);
        Assert.Equal(manifest.Role.Metadata.Name, manifest.RoleBinding.RoleRef.Name);
        Assert.Empty(RestrictedProfile.Check(pod));
        Assert.All(manifest.Documents, d => Assert.Equal("swe-ai-fleet", d.Metadata.NamespaceProperty));
        Assert.All(manifest.Documents, d => Assert.Equal("vllm-agent-tools", d.Metadata.Labels[JobLabels.E2eJob]));
        Assert.Equal("vllm-agent-tools", manifest.Job.Spec.Template.Metadata.Labels[JobLabels.E2eJob]);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        Assert.Equal(1000, pod.SecurityContext.FsGroup);
        Assert.Contains(manifest.Role.Rules, r => r.Resources.Contains("pods/log"));
    }

    [Fact]
    public void Documents_are_ordered_so_the_service_account_exists_before_the_job()
    {
        var yaml = _scaffolder.Plan(Request()).Files[2].Content;

        var kinds = yaml.Split('\n').Where(l => l.StartsWith("kind: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();

        Assert.Equal(["ServiceAccount", "Role", "RoleBinding", "Job"], kinds);
    }

    [Fact]
    public void Values_that_look_like_yaml_are_escaped_and_read_back_unchanged()
    {
        List<KeyValuePair<string, string>> tricky =
        [
            new("QUOTES", "it's \"quoted\""),
            new("YAMLISH", "key: value # not a comment\n- item\n---"),
            new("EMPTY", ""),
            new("NUMBER", "0755"),
        ];
        var job = _scaffolder.Write(_scaffolder.Plan(Request(env: tricky)), force: false);

        var read = new JobCatalog().Read(job.ManifestPath, _repository.Root);

        Assert.Null(read.Error);
        foreach (var (name, value) in tricky)
        {
            Assert.Equal(value, read.Job!.Env[name]);
        }
    }

    [Fact]
    public void Written_job_is_read_back_by_the_catalog_with_the_same_values()
    {
        var written = _scaffolder.Write(_scaffolder.Plan(Request()), force: false);

        var found = new JobCatalog().Find(_repository.Root, ["vllm*"]).Single();

        Assert.Null(found.Error);
        var job = found.Job!;
        Assert.Equal("vllm-agent-tools", job.Name);
        Assert.Equal("test-vllm-agent-tools-e2e", job.JobName);
        Assert.Equal("swe-ai-fleet", job.Namespace);
        Assert.Equal(GuideTest, job.TestPath);
        Assert.Equal("pytest", job.Template);
        Assert.Equal("https://github.com/example/shop.git", job.Repository);
        Assert.Equal("feature/e2e", job.Branch);
        Assert.Equal(written.Image, job.Image);
        Assert.Equal(written.ManifestPath, job.ManifestPath);
        Assert.True(File.Exists(job.DockerfilePath));
        Assert.True(File.Exists(job.RunnerPath));
    }

    [Theory]
    [InlineData("Bad_Name", "InvalidJobName")]
    [InlineData("-leading", "InvalidJobName")]
    [InlineData("this-name-is-far-too-long-for-a-kubernetes-job-name-abcdefghij", "JobNameTooLong")]
    public void Bad_names_are_rejected_with_an_error_id(string name, string errorId)
    {
        var error = Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(name)));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.Equal(name, error.Target);
    }

    [Fact]
    public void An_unknown_template_names_the_templates_that_exist()
    {
        var error = Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(template: "cobol")));

        Assert.Equal("UnknownTemplate", error.ErrorId);
        Assert.Contains("pytest", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pester", "run-tests.ps1")]
    [InlineData("dotnet", "run-tests.sh")]
    public void Every_template_makes_a_restricted_manifest(string template, string runner)
    {
        var plan = _scaffolder.Plan(Request(template: template));

        Assert.EndsWith(runner, plan.Files[1].Path, StringComparison.Ordinal);
        Assert.Empty(RestrictedProfile.Check(JobManifest.Parse(plan.Files[2].Content, "test").Job.Spec.Template.Spec));
    }

    [Fact]
    public void Existing_files_are_named_and_left_untouched_without_force()
    {
        _scaffolder.Write(_scaffolder.Plan(Request()), force: false);
        var dockerfile = _repository.PathOf("jobs/test-vllm-agent-tools-e2e/Dockerfile");
        File.WriteAllText(dockerfile, "FROM edited-by-hand");

        var error = Assert.Throws<E2eException>(() => _scaffolder.Write(_scaffolder.Plan(Request()), force: false));

        Assert.Equal("JobFilesExist", error.ErrorId);
        Assert.Contains("Dockerfile", error.Message, StringComparison.Ordinal);
        Assert.Contains("run_test.py", error.Message, StringComparison.Ordinal);
        Assert.Contains("99-test-vllm-agent-tools-e2e.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal("FROM edited-by-hand", File.ReadAllText(dockerfile));

        _scaffolder.Write(_scaffolder.Plan(Request()), force: true);
        Assert.NotEqual("FROM edited-by-hand", File.ReadAllText(dockerfile));
    }

    [Fact]
    public void A_failure_half_way_leaves_no_partial_job()
    {
        // A file where the deploy folder should be: the job folder is written first, then this fails.
        File.WriteAllText(_repository.PathOf("deploy"), "not a folder");

        var error = Assert.Throws<E2eException>(() => _scaffolder.Write(_scaffolder.Plan(Request()), force: false));

        Assert.Equal("JobFilesWriteFailed", error.ErrorId);
        Assert.False(Directory.Exists(_repository.PathOf("jobs")), "the job folder must be rolled back");
        Assert.Equal("not a folder", File.ReadAllText(_repository.PathOf("deploy")));
    }

    [Fact]
    public void A_repository_without_origin_asks_for_the_repository_url()
    {
        using var bare = new TempRepository(origin: null);
        var request = Request();
        request.RepositoryRoot = bare.Root;

        var error = Assert.Throws<E2eException>(() => _scaffolder.Plan(request));

        Assert.Equal("GitRepositoryUnknown", error.ErrorId);
        request.Repository = "https://git.example.com/team/app.git";
        Assert.Equal("https://git.example.com/team/app.git", _scaffolder.Plan(request).Job.Repository);
    }

    [Theory]
    [InlineData("git@github.com:underpass-ai/swe-ai-fleet.git", "https://github.com/underpass-ai/swe-ai-fleet.git")]
    [InlineData("https://user:s3cret@github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("ssh://git@example.com:2222/org/repo.git", "https://example.com/org/repo.git")]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo.git")]
    public void Remote_urls_become_clone_urls_without_credentials(string remote, string expected) =>
        Assert.Equal(expected, GitRepositoryInfo.ToCloneUrl(remote));

    [Theory]
    [InlineData("FOO BAR")]
    [InlineData("E2EPS_TEST_PATH")]
    [InlineData("9LIVES")]
    public void Bad_environment_names_are_rejected(string name)
    {
        var error = Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(env: [new(name, "x")])));

        Assert.Equal("InvalidEnvName", error.ErrorId);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("1.2.3")]
    [InlineData("-1")]
    public void Bad_resource_quantities_are_rejected(string value)
    {
        var request = Request();
        request.Memory = [value];

        Assert.Equal("InvalidResources", Assert.Throws<E2eException>(() => _scaffolder.Plan(request)).ErrorId);
    }

    [Fact]
    public void Resources_take_a_request_and_a_limit()
    {
        var request = Request();
        request.Cpu = ["250m", "1"];
        request.Memory = ["1Gi"];

        var container = JobManifest.Parse(_scaffolder.Plan(request).Files[2].Content, "test").TestContainer;

        Assert.Equal("250m", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("1", container.Resources.Limits["cpu"].ToString());
        Assert.Equal("1Gi", container.Resources.Requests["memory"].ToString());
        Assert.Equal("1Gi", container.Resources.Limits["memory"].ToString());
    }

    [Fact]
    public void A_private_repository_mounts_the_credentials_secret_in_the_clone_container_only()
    {
        var request = Request();
        request.GitCredentialSecret = "git-token";

        var manifest = JobManifest.Parse(_scaffolder.Plan(request).Files[2].Content, "test");

        var volume = manifest.Job.Spec.Template.Spec.Volumes.Single(v => v.Secret is not null);
        Assert.Equal("git-token", volume.Secret.SecretName);
        Assert.Contains(manifest.CloneContainer!.VolumeMounts, m => m.Name == volume.Name && m.ReadOnlyProperty == true);
        Assert.DoesNotContain(manifest.TestContainer.VolumeMounts, m => m.Name == volume.Name);
        Assert.Empty(RestrictedProfile.Check(manifest.Job.Spec.Template.Spec));
    }
}
