using E2ePs.Contracts;

namespace E2ePs.Engine.Images;

/// <summary>
/// Tags a built image with every tag of the plan, or with none: a tag set before a failure or Ctrl+C
/// goes back to the image it named before.
/// </summary>
internal static class ImageTagger
{
    /// <summary>Tags <paramref name="imageId"/>; on a failure or a cancellation puts every tag back, then rethrows.</summary>
    public static async Task TagAllAsync(EngineCalls calls, string imageId, CancellationToken cancellationToken)
    {
        var tagged = new List<(string Tag, string? Previous)>();
        try
        {
            foreach (var tag in calls.Plan.Tags)
            {
                var previous = await calls.ImageIdAsync(tag);
                cancellationToken.ThrowIfCancellationRequested();
                tagged.Add((tag, previous));
                var result = await calls.RunAsync(EngineCommands.Tag(imageId, tag));
                if (result.ExitCode != 0)
                {
                    throw new E2eException("ImageTagFailed", E2eErrorCategory.InvalidResult, tag,
                        $"Tagging image {imageId} as '{tag}' with {calls.Plan.Engine} failed with exit code {result.ExitCode}.{BuildOutput.Tail(result.Tail)}")
                    {
                        RecommendedAction = "Check the tag, and that the engine's storage is writable.",
                    };
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or E2eException)
        {
            await RollBackAsync(calls, imageId, tagged);
            throw;
        }
    }

    /// <summary>
    /// Puts each tag back on the image it named before the build, or takes it off. The new image itself
    /// stays, without a name of this build (as after a failed build); it may have been there before.
    /// </summary>
    private static async Task RollBackAsync(EngineCalls calls, string imageId, IReadOnlyList<(string Tag, string? Previous)> tagged)
    {
        foreach (var (tag, previous) in tagged.Reverse())
        {
            if (previous is not null && SameImage(previous, imageId))
            {
                continue; // The tag named this very image before (a cached build): nothing changed.
            }

            if (previous is not null)
            {
                await calls.CleanUpAsync(EngineCommands.Tag(previous, tag));
            }
            else if (SameImage(await calls.ImageIdAsync(tag), imageId))
            {
                await calls.CleanUpAsync(EngineCommands.Untag(calls.Plan.Engine, imageId, tag));
            }
        }
    }

    private static bool SameImage(string? a, string? b) =>
        a is not null && b is not null && Strip(a).Equals(Strip(b), StringComparison.OrdinalIgnoreCase);

    private static string Strip(string id) => id.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? id[7..] : id;
}
