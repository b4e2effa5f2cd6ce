using System.Text;
using System.Text.Json;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Images;

/// <summary>
/// The engine commands of one build: each with the plan's engine-wide options in front, shown as a
/// command line and streamed to the build's events. Clean-up commands run even after a cancellation.
/// </summary>
internal sealed class EngineCalls(ImageBuildPlan plan, EngineRunner engines, BuildEventWriter events, CancellationToken cancellationToken)
{
    // How long one clean-up command after a cancelled or failed build may take.
    private static readonly TimeSpan s_cleanupTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The plan the calls belong to.</summary>
    public ImageBuildPlan Plan => plan;

    /// <summary>Runs a step of the build, cancelled with it; <paramref name="capture"/> sees each line too.</summary>
    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> arguments, Action<string, bool>? capture = null)
    {
        IReadOnlyList<string> full = [.. plan.EngineArguments, .. arguments];
        events.Say(EngineCommands.Display(plan.Engine, full), isCommand: true);
        return await engines.RunAsync(plan.EnginePath, full, (text, isError) =>
        {
            capture?.Invoke(text, isError);
            events.Line(text, isError);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs a command that cleans up after a cancelled or failed step: it runs although the build's token
    /// is cancelled, within its own time limit, and a failure to run it is an exit code of -1.
    /// </summary>
    public async Task<ProcessResult> CleanUpAsync(IReadOnlyList<string> arguments, bool announce = true)
    {
        IReadOnlyList<string> full = [.. plan.EngineArguments, .. arguments];
        if (announce)
        {
            events.Say(EngineCommands.Display(plan.Engine, full), isCommand: true);
        }

        using var timeout = new CancellationTokenSource(s_cleanupTimeout);
        try
        {
            return await engines.RunAsync(plan.EnginePath, full, (text, isError) =>
            {
                if (announce)
                {
                    events.Line(text, isError);
                }
            }, timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or E2eException)
        {
            return new ProcessResult(-1, [error.Message]);
        }
    }

    /// <summary>The id of the image <paramref name="reference"/> names, or null when it names none.</summary>
    public async Task<string?> ImageIdAsync(string reference)
    {
        var result = await CleanUpAsync(EngineCommands.ImageId(plan.Engine, reference), announce: false);
        var id = result.ExitCode == 0 && result.Tail.Count > 0 ? result.Tail[^1].Trim() : null;
        return string.IsNullOrEmpty(id) ? null : id;
    }

    /// <summary>The ids of the engine's working containers, or null when the engine has none or cannot list them.</summary>
    public async Task<IReadOnlyList<string>?> ListWorkingContainersAsync()
    {
        var arguments = EngineCommands.ListWorkingContainers(plan.Engine);
        if (arguments is null)
        {
            return null;
        }

        // The whole listing, not only the last lines the runner keeps; it is small (one entry a container).
        var output = new StringBuilder();
        var result = await engines.RunAsync(plan.EnginePath, [.. plan.EngineArguments, .. arguments], (text, isError) =>
        {
            if (!isError)
            {
                lock (output)
                {
                    output.AppendLine(text);
                }
            }
        }, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            return null;
        }

        try
        {
            lock (output)
            {
                return EngineCommands.ParseWorkingContainers(plan.Engine, output.ToString());
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
