using System.Threading.Channels;
using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>
/// A build running in the background. The cmdlet drains <see cref="Events"/> on the pipeline thread
/// (the only thread that may write to PowerShell's streams) until it completes, then reads
/// <see cref="Completion"/>.
/// </summary>
public sealed class ImageBuildOperation
{
    /// <summary>Creates an operation.</summary>
    public ImageBuildOperation(ImageBuildPlan plan, ChannelReader<ImageBuildEvent> events, Task<E2eImage> completion)
    {
        Plan = plan;
        Events = events;
        Completion = completion;
    }

    /// <summary>The plan being carried out.</summary>
    public ImageBuildPlan Plan { get; }

    /// <summary>Output and progress, in order; completed when the build ends.</summary>
    public ChannelReader<ImageBuildEvent> Events { get; }

    /// <summary>The image, or an <see cref="E2eException"/>, or cancellation.</summary>
    public Task<E2eImage> Completion { get; }
}
