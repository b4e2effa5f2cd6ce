using E2ePs.TestSupport;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The rule for tests that need installed tools (tests/support/RequiredTools.cs), over a fake PATH of
/// folders made here: skip on a developer's machine, run (and so fail on the missing tool) in CI.
/// </summary>
public sealed class RequiredToolsTests : IDisposable
{
    private readonly string _withKubectl = Directory.CreateTempSubdirectory("tools-kubectl-").FullName;
    private readonly string _withBuildah = Directory.CreateTempSubdirectory("tools-buildah-").FullName;
    private readonly string _empty = Directory.CreateTempSubdirectory("tools-empty-").FullName;

    public RequiredToolsTests()
    {
        File.WriteAllText(Path.Combine(_withKubectl, "kubectl"), "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(_withBuildah, "buildah"), "#!/bin/sh\n");
    }

    public void Dispose()
    {
        foreach (var folder in new[] { _withKubectl, _withBuildah, _empty })
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Func<string, string?> Environment(string? ci, params string[] path) => name => name switch
    {
        "PATH" => string.Join(Path.PathSeparator, path),
        "CI" => ci,
        _ => null,
    };

    public static TheoryData<string, string?, string[], bool> Cases() => new()
    {
        // why, CI, requirements, skipped
        { "a developer's machine with the tool runs the test", null, ["kubectl"], false },
        { "a developer's machine without the tool skips it", null, ["skopeo"], true },
        { "CI without the tool runs it, so that it fails", "true", ["skopeo"], false },
        { "CI=True (Azure DevOps' casing) is CI", "True", ["skopeo"], false },
        { "CI=1 is CI", "1", ["skopeo"], false },
        { "CI=false is a developer's machine", "false", ["skopeo"], true },
        { "either alternative meets a requirement", null, ["podman|buildah"], false },
        { "every requirement must be met", null, ["kubectl", "podman|docker-registry"], true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_missing_tool_skips_only_outside_CI(string why, string? ci, string[] requirements, bool skipped)
    {
        var reason = RequiredTools.SkipReason(requirements, Environment(ci, _empty, _withKubectl, _withBuildah));

        Assert.True(skipped == reason is not null, $"{why}: skip reason was '{reason}'");
    }

    [Fact]
    public void The_skip_reason_names_each_missing_tool_and_its_package()
    {
        var reason = RequiredTools.SkipReason(["kubectl", "podman|docker-registry"], Environment(null, _empty));

        Assert.Equal(
            "Needs kubectl (apt-get install kubectl) and podman or docker-registry (apt-get install podman or docker-registry); " +
            "not installed here (skipped on a developer's machine, a failure in CI).",
            reason);
    }

    [Fact]
    public void A_tool_is_found_on_PATH_or_through_its_override_variable()
    {
        var registry = Path.Combine(_withKubectl, "registry-binary");
        File.WriteAllText(registry, "");
        string? Env(string name) => name switch { "PATH" => _withKubectl, "DOCKER_REGISTRY_BIN" => registry, _ => null };

        Assert.Equal(Path.Combine(_withKubectl, "kubectl"), RequiredTools.Find("kubectl", Env));
        Assert.Equal(registry, RequiredTools.Find("docker-registry", Env));
        Assert.Null(RequiredTools.Find("buildah", Env));
    }
}
