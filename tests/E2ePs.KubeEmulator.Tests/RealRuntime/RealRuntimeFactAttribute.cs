using E2ePs.TestSupport;

namespace E2ePs.KubeEmulator.Tests.RealRuntime;

/// <summary>
/// A fact that needs buildah, Debian's docker-registry and a static busybox (the Full tier), under the one
/// rule of <see cref="RequiredTools"/>: skipped, saying what is missing, on a developer's machine without
/// them; in CI (CI=true) never skipped, so a missing tool fails the test.
/// </summary>
public sealed class RealRuntimeFactAttribute : FactAttribute
{
    /// <summary>The tools the real runtime and its tests drive.</summary>
    public static readonly string[] Requirements = ["buildah", "docker-registry", "busybox"];

    public RealRuntimeFactAttribute()
    {
        if (RequiredTools.SkipReason(Requirements) is { } reason)
        {
            Skip = reason;
        }
    }
}
