using E2ePs.TestSupport;

namespace E2ePs.KubeEmulator.Tests.RealRuntime;

/// <summary>
/// A fact that needs buildah, Debian's docker-registry and a static busybox (the Full tier). Skipped, saying what is
/// missing, on a machine without them; in CI (CI=true) never skipped, so a missing tool fails the test.
/// </summary>
public sealed class RealRuntimeFactAttribute : FactAttribute
{
    public RealRuntimeFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            return;
        }

        var missing = MissingTools();
        if (missing.Count > 0)
        {
            Skip = $"The real container runtime needs {string.Join(", ", missing)} (apt-get install buildah docker-registry busybox-static).";
        }
    }

    public static List<string> MissingTools()
    {
        var missing = new List<string>();
        if (Tools.Find("buildah") is null)
        {
            missing.Add("buildah");
        }

        if (LocalRegistry.FindBinary() is null)
        {
            missing.Add("docker-registry");
        }

        if (BaseImage.FindBusybox() is null)
        {
            missing.Add("busybox");
        }

        return missing;
    }
}
