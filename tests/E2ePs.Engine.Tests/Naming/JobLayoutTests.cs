using E2ePs.Naming;

namespace E2ePs.Engine.Tests.Naming;

/// <summary>The one rule for a job's names and files (docs/architecture.md, "Job definitions").</summary>
public sealed class JobLayoutTests
{
    [Theory]
    // short name, Kubernetes name, job folder, Dockerfile, manifest
    [InlineData("api", "test-api-e2e", "jobs/test-api-e2e", "jobs/test-api-e2e/Dockerfile", "deploy/k8s/99-test-api-e2e.yaml")]
    [InlineData("vllm-agent-tools", "test-vllm-agent-tools-e2e", "jobs/test-vllm-agent-tools-e2e", "jobs/test-vllm-agent-tools-e2e/Dockerfile", "deploy/k8s/99-test-vllm-agent-tools-e2e.yaml")]
    [InlineData("a1", "test-a1-e2e", "jobs/test-a1-e2e", "jobs/test-a1-e2e/Dockerfile", "deploy/k8s/99-test-a1-e2e.yaml")]
    [InlineData("e2e", "test-e2e-e2e", "jobs/test-e2e-e2e", "jobs/test-e2e-e2e/Dockerfile", "deploy/k8s/99-test-e2e-e2e.yaml")]
    public void A_short_name_gives_every_name_and_path(string name, string kubernetesName, string jobDirectory, string dockerfile, string manifest)
    {
        Assert.Equal(kubernetesName, JobLayout.KubernetesName(name));
        Assert.Equal(kubernetesName, JobLayout.ImageRepository(name));
        Assert.Equal(jobDirectory, JobLayout.JobDirectory(name));
        Assert.Equal(dockerfile, JobLayout.DockerfileFile(name));
        Assert.Equal(manifest, JobLayout.ManifestFile(name));
        Assert.Equal(name, JobLayout.ShortName(kubernetesName));
        Assert.Equal(name, JobLayout.ShortNameOfManifest(manifest));
        Assert.Equal(kubernetesName, JobLayout.KubernetesNameOfManifest("/repo/" + manifest));
    }

    [Theory]
    [InlineData("test-api-e2e", "api")]
    [InlineData("test-test-e2e-e2e", "test-e2e")]
    [InlineData("api", null)]
    [InlineData("test-e2e", null)]
    [InlineData("test--e2e", null)]
    [InlineData("test-API-e2e", null)]
    [InlineData("test-api-e2e-x", null)]
    [InlineData("xtest-api-e2e", null)]
    [InlineData("test-api-", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Only_a_name_of_the_pattern_has_a_short_name(string? kubernetesName, string? shortName) =>
        Assert.Equal(shortName, JobLayout.ShortName(kubernetesName));

    [Theory]
    [InlineData("99-test-api-e2e.yaml", "test-api-e2e")]
    [InlineData("deploy/k8s/99-test-a-b-e2e.yaml", "test-a-b-e2e")]
    [InlineData("99-test-api-e2e.yml", null)]
    [InlineData("10-test-api-e2e.yaml", null)]
    [InlineData("99-api.yaml", null)]
    [InlineData("99-test-API-e2e.yaml", null)]
    [InlineData("test-api-e2e.yaml", null)]
    public void A_manifest_file_is_named_after_its_job(string path, string? kubernetesName) =>
        Assert.Equal(kubernetesName, JobLayout.KubernetesNameOfManifest(path));

    [Theory]
    [InlineData("localhost:5000", "api", null, "localhost:5000/test-api-e2e:latest")]
    [InlineData("localhost:5000/", "api", "", "localhost:5000/test-api-e2e:latest")]
    [InlineData("registry.example.com/team", "shop", "1.0", "registry.example.com/team/test-shop-e2e:1.0")]
    public void The_default_image_is_the_job_repository_in_the_registry(string registry, string name, string? tag, string image) =>
        Assert.Equal(image, JobLayout.DefaultImage(registry, name, tag));

    [Fact]
    public void The_manifest_search_pattern_and_the_affix_length_follow_the_names()
    {
        Assert.Equal("99-test-*-e2e.yaml", JobLayout.ManifestSearchPattern);
        Assert.Equal(JobLayout.NameAffixLength, JobLayout.KubernetesName("").Length);
    }

    [Fact]
    public void A_manifest_stands_for_the_repository_two_folders_up()
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "repo"));

        Assert.Equal(root, JobLayout.RepositoryRootOfManifest(Path.Combine(root, JobLayout.ManifestFile("api"))));
    }
}
