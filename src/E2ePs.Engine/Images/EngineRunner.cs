using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Images;

/// <summary>
/// Runs container engine commands through the process runner, with the engine-wide options in front,
/// and turns an engine that cannot start into ContainerEngineNotStarted.
/// </summary>
public sealed class EngineRunner(IProcessRunner runner)
{
    /// <summary>Runs <c>enginePath arguments</c>; <paramref name="onLine"/> may be called from two threads (stdout, stderr).</summary>
    public async Task<ProcessResult> RunAsync(string enginePath, IReadOnlyList<string> arguments, Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync(new ProcessCommand(enginePath, arguments), onLine, cancellationToken);
        }
        catch (ProcessNotStartedException error)
        {
            throw new E2eException("ContainerEngineNotStarted", E2eErrorCategory.NotInstalled, enginePath,
                $"Could not start '{enginePath}': {error.Reason}", error)
            {
                RecommendedAction = "Check that the engine is installed and executable, or pick another with -Engine.",
            };
        }
    }
}
