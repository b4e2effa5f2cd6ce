using E2ePs.Engine.Platform;
using E2ePs.Engine.Scaffolding;

namespace E2ePs.Engine.Tests.Support;

/// <summary>Scaffolders composed as EngineEntry composes them: git through the real process runner.</summary>
public static class Scaffolders
{
    /// <summary>A scaffolder over this process's environment (its PATH finds git).</summary>
    public static JobScaffolder ForThisProcess() => Over(new SystemProcessEnvironment());

    /// <summary>A scaffolder that reads E2EPS_REGISTRY and PATH from <paramref name="environment"/>.</summary>
    public static JobScaffolder Over(IProcessEnvironment environment) =>
        new(new GitRepositoryInfo(new SystemProcessRunner(environment), environment), environment);
}
