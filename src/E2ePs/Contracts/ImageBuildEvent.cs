namespace E2ePs.Contracts;

/// <summary>The phase of an image build.</summary>
public enum ImageBuildPhase
{
    /// <summary>The engine builds the image.</summary>
    Building,
    /// <summary>The built image gets its tags.</summary>
    Tagging,
    /// <summary>The tags are pushed to the registry.</summary>
    Pushing,
}

/// <summary>One thing that happened during a build: a line of the engine's output, a new step or a new phase.</summary>
public sealed class ImageBuildEvent
{
    /// <summary>The phase the build is in.</summary>
    public ImageBuildPhase Phase { get; init; }

    /// <summary>A line the engine wrote, or a message of E2ePs (a command line it runs).</summary>
    public string Text { get; init; } = "";

    /// <summary>Whether the line came from the engine's standard error.</summary>
    public bool IsError { get; init; }

    /// <summary>Whether the line is a command E2ePs runs rather than engine output.</summary>
    public bool IsCommand { get; init; }

    /// <summary>Current build step (1-based) when the line starts a step; 0 otherwise.</summary>
    public int Step { get; init; }

    /// <summary>Number of build steps when known; 0 otherwise.</summary>
    public int StepCount { get; init; }

    /// <summary>Time since the build started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <inheritdoc />
    public override string ToString() => Text;
}
