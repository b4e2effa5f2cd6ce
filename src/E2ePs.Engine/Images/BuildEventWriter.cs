using System.Diagnostics;
using System.Threading.Channels;
using E2ePs.Contracts;

namespace E2ePs.Engine.Images;

/// <summary>
/// The events of one build as the cmdlet reads them: the phase it is in, the step the engine's output
/// has reached and the time since it began.
/// </summary>
internal sealed class BuildEventWriter(ChannelWriter<ImageBuildEvent> events)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _stepCount;

    /// <summary>The phase the next events belong to.</summary>
    public ImageBuildPhase Phase { get; set; } = ImageBuildPhase.Building;

    /// <summary>Time since the build began.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>A line of E2ePs's own: a command it runs, or what it did.</summary>
    public void Say(string text, bool isCommand = false) =>
        events.TryWrite(new ImageBuildEvent { Phase = Phase, Text = text, IsCommand = isCommand, StepCount = _stepCount, Elapsed = _clock.Elapsed });

    /// <summary>A line of the engine's output; a build step's first line moves the step count on.</summary>
    public void Line(string text, bool isError)
    {
        var step = 0;
        if (Phase == ImageBuildPhase.Building && BuildOutput.TryParseStep(text, out var parsed, out var count))
        {
            step = parsed;
            _stepCount = count;
        }

        events.TryWrite(new ImageBuildEvent { Phase = Phase, Text = text, IsError = isError, Step = step, StepCount = _stepCount, Elapsed = _clock.Elapsed });
    }

    /// <summary>
    /// Ends the events before the result is known, so the reader never waits for a line that cannot come;
    /// an error the result reports itself (E2eException, a cancellation) does not fault the events.
    /// </summary>
    public void Complete(Exception? failure) =>
        events.TryComplete(failure is E2eException or OperationCanceledException ? null : failure);
}
