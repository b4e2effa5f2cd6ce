using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Images;

/// <summary>
/// One build, step by step: build without a tag, tag every tag or none, push, read the digest, and
/// clean up after a cancelled or failed step (working containers, tags put back, the work folder).
/// </summary>
internal sealed class ImageBuildRun
{
    private readonly ImageBuildPlan _plan;
    private readonly WorkingContainers _workingContainers;
    private readonly BuildEventWriter _events;
    private readonly EngineCalls _calls;
    private readonly CancellationToken _cancellationToken;

    public ImageBuildRun(ImageBuildPlan plan, EngineRunner engines, WorkingContainers workingContainers, BuildEventWriter events, CancellationToken cancellationToken)
    {
        _plan = plan;
        _workingContainers = workingContainers;
        _events = events;
        _calls = new EngineCalls(plan, engines, events, cancellationToken);
        _cancellationToken = cancellationToken;
    }

    /// <summary>Runs the build to its image; the events end before the result is known.</summary>
    public async Task<E2eImage> RunAsync()
    {
        var workFolder = Directory.CreateTempSubdirectory("e2eps-build-");
        var active = _workingContainers.Begin(_plan, _cancellationToken);
        Exception? failure = null;
        try
        {
            var imageId = await BuildAsync(active, workFolder.FullName);
            _events.Phase = ImageBuildPhase.Tagging;
            await ImageTagger.TagAllAsync(_calls, imageId, _cancellationToken);
            string? digest = null;
            if (_plan.Request.Push)
            {
                _events.Phase = ImageBuildPhase.Pushing;
                digest = await ImagePusher.PushAllAsync(_calls, workFolder.FullName);
            }

            return Result(imageId, digest);
        }
        catch (Exception error)
        {
            failure = error;
            throw;
        }
        finally
        {
            await _workingContainers.EndAsync(active, _calls);
            _events.Complete(failure);
            DeleteQuietly(workFolder);
        }
    }

    // Builds without a tag: a failed build leaves no tag behind, and a tag never points at a half-built image.
    private async Task<string> BuildAsync(WorkingContainers.ActiveBuild active, string workFolder)
    {
        var request = _plan.Request;
        var imageIdFile = Path.Combine(workFolder, "image-id");
        var containersBefore = await _calls.ListWorkingContainersAsync();
        Platform.ProcessResult build;
        try
        {
            build = await _calls.RunAsync(EngineCommands.Build(_plan.Engine, _plan.ContextPath, _plan.DockerfilePath, imageIdFile,
                request.SkipTlsVerify, request.NoCache, request.Platform, request.BuildArguments, request.Labels, request.BuildOptions ?? []));
        }
        catch (OperationCanceledException) when (containersBefore is not null)
        {
            // The engine is stopped; podman leaves its working container behind even after SIGTERM.
            await _workingContainers.RemoveAfterCancelAsync(active, containersBefore, _calls, text => _events.Say(text));
            throw;
        }

        var imageId = File.Exists(imageIdFile) ? (await File.ReadAllTextAsync(imageIdFile, CancellationToken.None)).Trim() : "";
        if (build.ExitCode != 0 || imageId.Length == 0)
        {
            throw new E2eException("ImageBuildFailed", E2eErrorCategory.InvalidResult, _plan.Job,
                $"Building the image of job '{_plan.Job.JobName}' with {_plan.Engine} failed with exit code {build.ExitCode}"
                + $"{(build.ExitCode == 0 ? " and no image id" : "")} (Dockerfile '{_plan.DockerfilePath}'). Nothing was tagged or pushed.{BuildOutput.Tail(build.Tail)}")
            {
                RecommendedAction = "Fix the failing step of the Dockerfile and build again; run with -Verbose to see the whole output of the engine.",
            };
        }

        return imageId;
    }

    // The image as Build-E2eImage writes it: by digest when pushed, else by content tag or main tag.
    private E2eImage Result(string imageId, string? digest)
    {
        var main = _plan.Tags[0];
        var reference = digest is not null
            ? $"{ImageReference.Repository(main)}@{digest}"
            : _plan.ContentTag is not null ? $"{_plan.Repository}:{_plan.ContentTag}" : main;
        _events.Say(digest is not null ? $"Pushed {reference}" : $"Built {imageId} as {string.Join(", ", _plan.Tags)}");
        return new E2eImage
        {
            Reference = reference,
            Name = _plan.Job.Name,
            JobName = _plan.Job.JobName,
            Namespace = _plan.Job.Namespace,
            Path = _plan.Job.Path,
            Repository = _plan.Repository,
            Digest = digest,
            ImageId = imageId,
            Engine = _plan.Engine,
            Tags = _plan.Tags,
            ContentTag = _plan.ContentTag,
            Pushed = _plan.Request.Push,
            SkipTlsVerify = _plan.Request.SkipTlsVerify,
            Duration = _events.Elapsed,
            Job = _plan.Job,
        };
    }

    private static void DeleteQuietly(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }
}
