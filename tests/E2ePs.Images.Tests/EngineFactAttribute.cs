namespace E2ePs.Images.Tests;

/// <summary>A fact that needs podman or buildah; skipped, saying why, on a machine with neither.</summary>
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute()
    {
        if (ImageFixture.Engines.Count == 0)
        {
            Skip = "Neither podman nor buildah is installed.";
        }
    }
}

/// <summary>A theory over the installed engines (podman, buildah); skipped when there is none.</summary>
public sealed class EngineTheoryAttribute : TheoryAttribute
{
    public EngineTheoryAttribute()
    {
        if (ImageFixture.Engines.Count == 0)
        {
            Skip = "Neither podman nor buildah is installed.";
        }
    }
}
