using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Platform;
using E2ePs.Models;

namespace E2ePs.Images.Tests;

/// <summary>What Plan checks before any engine runs.</summary>
public sealed class PlanTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("images-plan-").FullName;
    private readonly ImageBuilder _builder = Builders.ForThisProcess();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private E2eJob Job(bool withDockerfile = true, string image = "registry.example.com/team/test-api-e2e:1.0")
    {
        var folder = Path.Combine(_root, "jobs", "test-api-e2e");
        Directory.CreateDirectory(folder);
        var dockerfile = Path.Combine(folder, "Dockerfile");
        if (withDockerfile)
        {
            File.WriteAllText(dockerfile, "FROM scratch\nCOPY jobs/test-api-e2e/run.sh /run.sh\n");
            File.WriteAllText(Path.Combine(folder, "run.sh"), "echo\n");
        }

        return new E2eJob { Name = "api", JobName = "test-api-e2e", Namespace = "e2e", Image = image, Path = _root, DockerfilePath = dockerfile };
    }

    private string FakeEngineFolder(params string[] engines)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "bin-" + string.Join('-', engines))).FullName;
        foreach (var engine in engines)
        {
            var path = Path.Combine(folder, engine);
            File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return folder;
    }

    [Fact]
    public void NoEngineOnPath_SaysWhatWasLookedForAndHowToInstall()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        var error = Assert.Throws<E2eException>(() => _builder.Plan(new ImageBuildRequest { Job = Job(), SearchPath = [empty] }));

        Assert.Equal("ContainerEngineNotFound", error.ErrorId);
        Assert.Equal(E2eErrorCategory.NotInstalled, error.Category);
        Assert.Equal("podman, docker, buildah", error.Target);
        Assert.Contains(empty, error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install podman", error.RecommendedAction, StringComparison.Ordinal);
        Assert.Contains("Docker Desktop", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestedEngineMissing_NamesOnlyThatEngine()
    {
        var error = Assert.Throws<E2eException>(() =>
            _builder.Plan(new ImageBuildRequest { Job = Job(), Engine = "docker", SearchPath = [FakeEngineFolder("podman")] }));

        Assert.Equal("ContainerEngineNotFound", error.ErrorId);
        Assert.Equal("docker", error.Target);
    }

    [Fact]
    public void DefaultEngine_IsTheFirstOfPodmanDockerBuildah()
    {
        Assert.Equal("docker", _builder.Plan(new ImageBuildRequest { Job = Job(), SearchPath = [FakeEngineFolder("buildah", "docker")] }).Engine);
        Assert.Equal("podman", _builder.Plan(new ImageBuildRequest { Job = Job(), SearchPath = [FakeEngineFolder("buildah", "podman", "docker")] }).Engine);
        Assert.Equal("buildah", _builder.Plan(new ImageBuildRequest { Job = Job(), SearchPath = [FakeEngineFolder("buildah")] }).Engine);
    }

    [Fact]
    public void MissingDockerfile_IsObjectNotFoundWithThePath()
    {
        var job = Job(withDockerfile: false);

        var error = Assert.Throws<E2eException>(() => _builder.Plan(new ImageBuildRequest { Job = job, SearchPath = [FakeEngineFolder("podman")] }));

        Assert.Equal("DockerfileNotFound", error.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal(job.DockerfilePath, error.Target);
        Assert.Contains("New-E2eJob", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_BareTagsApplyToTheJobsRepository_FullReferencesStay()
    {
        var plan = _builder.Plan(new ImageBuildRequest
        {
            Job = Job(),
            SearchPath = [FakeEngineFolder("podman")],
            Tags = ["2.0", "other.example.com/x/y", "2.0"],
            ContentTag = true,
            EngineArguments = [],
            BuildOptions = [],
        });

        Assert.Equal("registry.example.com/team/test-api-e2e", plan.Repository);
        Assert.Equal(3, plan.Tags.Count);
        Assert.Equal("registry.example.com/team/test-api-e2e:2.0", plan.Tags[0]);
        Assert.Equal("other.example.com/x/y:latest", plan.Tags[1]);
        Assert.Matches("^registry.example.com/team/test-api-e2e:content-[0-9a-f]{16}$", plan.Tags[2]);
        Assert.StartsWith("podman build -f ", plan.BuildCommandLine, StringComparison.Ordinal);
        Assert.EndsWith(" " + _root, plan.BuildCommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidTag_IsInvalidArgument()
    {
        var error = Assert.Throws<E2eException>(() =>
            _builder.Plan(new ImageBuildRequest { Job = Job(), SearchPath = [FakeEngineFolder("podman")], Tags = ["Not A Tag"] }));

        Assert.Equal("InvalidImageReference", error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
    }

    [Fact]
    public void JobWithoutImageAndBareTag_AsksForAFullReference()
    {
        var error = Assert.Throws<E2eException>(() =>
            _builder.Plan(new ImageBuildRequest { Job = Job(image: ""), SearchPath = [FakeEngineFolder("podman")], Tags = ["1.0"] }));

        Assert.Equal("NoImageReference", error.ErrorId);
    }

    [Fact]
    public void InvalidBuildArgumentName_IsInvalidArgument()
    {
        var error = Assert.Throws<E2eException>(() => _builder.Plan(new ImageBuildRequest
        {
            Job = Job(),
            SearchPath = [FakeEngineFolder("podman")],
            BuildArguments = new Dictionary<string, string> { ["BAD-NAME"] = "x" },
        }));

        Assert.Equal("InvalidBuildArgument", error.ErrorId);
    }

    [Fact]
    public void TheEnvironmentSuppliesEngineSearchPathAndOptions_WhenTheRequestHasNone()
    {
        // The builder reads E2EPS_BUILD_ENGINE, PATH, E2EPS_ENGINE_ARGS and E2EPS_BUILD_ARGS through its
        // process environment, never from this test process's own.
        var folder = FakeEngineFolder("podman", "buildah");
        var builder = Builders.Over(new DictionaryProcessEnvironment(new Dictionary<string, string?>
        {
            ["PATH"] = folder,
            [ContainerEngines.EngineVariable] = "buildah",
            [ImageBuilder.EngineArgumentsVariable] = "--storage-driver vfs --root '/tmp/a b'",
            [ImageBuilder.BuildOptionsVariable] = "--isolation chroot",
        }));

        var plan = builder.Plan(new ImageBuildRequest { Job = Job() });

        Assert.Equal(("buildah", Path.Combine(folder, "buildah")), (plan.Engine, plan.EnginePath));
        Assert.Equal(["--storage-driver", "vfs", "--root", "/tmp/a b"], plan.EngineArguments);
        Assert.Equal(["--isolation", "chroot"], plan.Request.BuildOptions);
        Assert.Equal(["--isolation", "chroot", _root], plan.BuildArguments.TakeLast(3));
    }

    [Fact]
    public void AnEnvironmentWithoutPath_FindsNoEngine()
    {
        FakeEngineFolder("podman");
        var builder = Builders.Over(new DictionaryProcessEnvironment(new Dictionary<string, string?>()));

        var error = Assert.Throws<E2eException>(() => builder.Plan(new ImageBuildRequest { Job = Job() }));

        Assert.Equal("ContainerEngineNotFound", error.ErrorId);
        Assert.Contains("an empty PATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsGivenInTheRequest_OutweighTheEnvironment()
    {
        // The plan reads E2EPS_ENGINE_ARGS and E2EPS_BUILD_ARGS only when the request leaves them null.
        var plan = _builder.Plan(new ImageBuildRequest
        {
            Job = Job(),
            SearchPath = [FakeEngineFolder("buildah")],
            EngineArguments = EngineCommands.SplitOptions("--storage-driver vfs --root '/tmp/a b'"),
            BuildOptions = EngineCommands.SplitOptions("--isolation chroot"),
            SkipTlsVerify = true,
            NoCache = true,
            Platform = "linux/arm64",
            BuildArguments = new Dictionary<string, string> { ["V"] = "1" },
            Labels = new Dictionary<string, string> { ["a.b"] = "c" },
        });

        Assert.Equal(
            ["--storage-driver", "vfs", "--root", "/tmp/a b", "bud", "-f", Path.Combine(_root, "jobs", "test-api-e2e", "Dockerfile"), "--iidfile", "<image-id-file>",
             "--tls-verify=false", "--no-cache", "--platform", "linux/arm64", "--build-arg", "V=1", "--label", "a.b=c", "--label", "io.e2eps.job=test-api-e2e",
             "--isolation", "chroot", _root],
            plan.BuildArguments);
    }
}
