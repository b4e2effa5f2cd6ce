using E2ePs.TestSupport;

namespace E2ePs.Images.Tests;

/// <summary>What every image build test needs installed: a build engine, a registry and busybox for the base image.</summary>
internal static class ImageTools
{
    public static readonly string[] Requirements = ["podman|buildah", "docker-registry", "busybox"];
}

/// <summary>
/// A fact that builds images with the real tools; when they are missing it skips on a developer's machine
/// and fails in CI (RequiredTools holds the rule). Tier Full: vfs builds are slow on a 2-core machine.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute()
    {
        if (RequiredTools.SkipReason(ImageTools.Requirements) is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory over the installed engines (podman, buildah), under the same rule as <see cref="EngineFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EngineTheoryAttribute : TheoryAttribute
{
    public EngineTheoryAttribute()
    {
        if (RequiredTools.SkipReason(ImageTools.Requirements) is { } reason)
        {
            Skip = reason;
        }
    }
}
