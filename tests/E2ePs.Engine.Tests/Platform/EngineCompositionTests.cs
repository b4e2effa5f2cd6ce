using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Tests.Support;
using E2ePs.Models;

namespace E2ePs.Engine.Tests.Platform;

/// <summary>EngineEntry hands the one environment it is given to every component it composes.</summary>
public sealed class EngineCompositionTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly string _engines = Directory.CreateTempSubdirectory("e2eps-engines-").FullName;

    public void Dispose()
    {
        _repository.Dispose();
        Directory.Delete(_engines, recursive: true);
    }

    private static EngineEntry Engine(Dictionary<string, string?> variables)
    {
        var environment = new DictionaryProcessEnvironment(variables);
        return new EngineEntry(new ClusterConnectionFactory(SystemClock.Instance), SystemClock.Instance, environment, new SystemProcessRunner(environment));
    }

    [Fact]
    public void The_scaffolder_and_the_image_builder_read_the_environment_the_engine_was_given()
    {
        // A stand-in buildah on the given PATH only: planning looks the engine up, it does not run it.
        var buildah = Path.Combine(_engines, "buildah");
        File.WriteAllText(buildah, "#!/bin/sh\nexit 0\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(buildah, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var engine = Engine(new()
        {
            ["PATH"] = string.Join(Path.PathSeparator, _engines, Environment.GetEnvironmentVariable("PATH")),
            ["E2EPS_REGISTRY"] = "registry.test:5000",
            ["E2EPS_BUILD_ENGINE"] = "buildah",
            ["E2EPS_ENGINE_ARGS"] = "--storage-driver vfs",
        });

        var job = engine.Scaffolder.Write(engine.Scaffolder.Plan(new NewJobRequest
        {
            Name = "shop",
            TestPath = "tests/e2e/test_shop.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
            Template = "pytest",
        }), force: false);
        var plan = engine.Images.Plan(new ImageBuildRequest { Job = job });

        Assert.Equal("registry.test:5000/test-shop-e2e:latest", job.Image);
        Assert.Equal(("buildah", buildah), (plan.Engine, plan.EnginePath));
        Assert.Equal(["--storage-driver", "vfs"], plan.EngineArguments);
        Assert.Equal(["registry.test:5000/test-shop-e2e:latest"], plan.Tags);
    }

    [Fact]
    public void The_reporters_detect_the_ci_system_in_the_environment_the_engine_was_given()
    {
        var summary = Path.Combine(_engines, "summary.md");

        var reporter = Engine(new() { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = summary }).Results.CreateReporter(new ResultReporterOptions());
        reporter.Completed([new E2eRun { Name = "shop", JobName = "test-shop-e2e", Namespace = "e2e", Status = E2eRunStatus.Succeeded }], 0);

        Assert.Equal(ResultCiSystem.GitHubActions, reporter.System);
        Assert.Contains("| test-shop-e2e | e2e |", File.ReadAllText(summary), StringComparison.Ordinal);
    }
}
