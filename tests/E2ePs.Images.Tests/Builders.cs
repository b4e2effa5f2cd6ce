using E2ePs.Engine.Images;
using E2ePs.Engine.Platform;

namespace E2ePs.Images.Tests;

/// <summary>Image builders composed as EngineEntry composes them: the real process runner, an environment of the test's choice.</summary>
public static class Builders
{
    /// <summary>A builder over this process's environment.</summary>
    public static ImageBuilder ForThisProcess() => Over(new SystemProcessEnvironment());

    /// <summary>A builder that reads its environment (options, PATH, home) from <paramref name="environment"/>.</summary>
    public static ImageBuilder Over(IProcessEnvironment environment) =>
        new(new EngineRunner(new SystemProcessRunner(environment)), new RegistryClient(environment), environment);
}
