using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Images;

/// <summary>
/// Build-E2eImage's engine: builds a job's image without a tag, tags it only once the build has
/// succeeded, pushes the tags and reads back the digest the registry stored.
/// </summary>
public sealed partial class ImageBuilder : IImageBuilder
{
    /// <summary>Options placed before every engine subcommand, when the request gives none.</summary>
    public const string EngineArgumentsVariable = "E2EPS_ENGINE_ARGS";

    /// <summary>Extra options of the build command, when the request gives none.</summary>
    public const string BuildOptionsVariable = "E2EPS_BUILD_ARGS";

    /// <summary>Label that records which job an image was built for.</summary>
    public const string JobLabel = "io.e2eps.job";

    // The builds of this process that run, by engine storage: a cancelled build removes the working
    // containers it left only when no other build of the same storage runs on (they could be its).
    private static readonly ConcurrentDictionary<ActiveBuild, byte> s_activeBuilds = new();

    // Working containers a cancelled build left while another build of the same storage ran: removed
    // when the last build of that storage ends (by then the others' own containers are gone).
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> s_leftContainers = new();

    // How long the clean-up after a cancelled or failed build may take, engine calls included.
    private static readonly TimeSpan s_cleanupTimeout = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public ImageBuildPlan Plan(ImageBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var job = request.Job ?? throw new ArgumentException("The request has no job.", nameof(request));
        var context = string.IsNullOrEmpty(job.Path) ? "" : Path.GetFullPath(job.Path);
        if (context.Length == 0 || !Directory.Exists(context))
        {
            throw new E2eException("BuildContextNotFound", E2eErrorCategory.ObjectNotFound, job.Path,
                $"The build context of job '{job.JobName}', the repository folder '{job.Path}', does not exist.")
            {
                RecommendedAction = "Read the job with Get-E2eJob -Path <repository root> and pipe it to Build-E2eImage.",
            };
        }

        var dockerfile = string.IsNullOrEmpty(job.DockerfilePath)
            ? Path.Combine(context, "jobs", $"test-{job.Name}-e2e", "Dockerfile")
            : Path.GetFullPath(job.DockerfilePath, context);
        if (!File.Exists(dockerfile))
        {
            throw new E2eException("DockerfileNotFound", E2eErrorCategory.ObjectNotFound, dockerfile,
                $"The Dockerfile of job '{job.JobName}' does not exist: '{dockerfile}'.")
            {
                RecommendedAction = $"Create the job's files with New-E2eJob -Name {job.Name} (add -Force to rewrite them), or restore the Dockerfile from version control.",
            };
        }

        var buildArguments = request.BuildArguments ?? new Dictionary<string, string>();
        foreach (var key in buildArguments.Keys.Where(k => !ArgumentNamePattern().IsMatch(k)))
        {
            throw new E2eException("InvalidBuildArgument", E2eErrorCategory.InvalidArgument, key,
                $"'{key}' is not a valid build argument name.")
            {
                RecommendedAction = "Use letters, digits and underscores, starting with a letter or underscore, as in an ARG instruction.",
            };
        }

        var labels = new Dictionary<string, string>(request.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var key in labels.Keys.Where(k => k.Length == 0 || k.Contains('=', StringComparison.Ordinal) || k.Any(char.IsWhiteSpace)))
        {
            throw new E2eException("InvalidLabel", E2eErrorCategory.InvalidArgument, key,
                $"'{key}' is not a valid label key.")
            {
                RecommendedAction = "Use a key without spaces or '=', for example org.opencontainers.image.source.",
            };
        }

        if (!string.IsNullOrEmpty(job.JobName))
        {
            labels.TryAdd(JobLabel, job.JobName);
        }

        var (repository, tags) = ResolveTags(job, request.Tags ?? []);
        string? contentTag = null;
        if (request.ContentTag)
        {
            contentTag = ContentTag.Compute(context, dockerfile, buildArguments);
            var reference = $"{repository}:{contentTag}";
            if (!tags.Contains(reference))
            {
                tags.Add(reference);
            }
        }

        var (engine, enginePath) = ContainerEngines.Resolve(request.Engine, request.SearchPath);
        var engineArguments = request.EngineArguments ?? EngineCommands.SplitOptions(Environment.GetEnvironmentVariable(EngineArgumentsVariable));
        var buildOptions = request.BuildOptions ?? EngineCommands.SplitOptions(Environment.GetEnvironmentVariable(BuildOptionsVariable));
        var build = EngineCommands.Build(engine, context, dockerfile, "<image-id-file>", request.SkipTlsVerify, request.NoCache,
            request.Platform, buildArguments, labels, buildOptions);
        return new ImageBuildPlan
        {
            Request = new ImageBuildRequest
            {
                Job = job,
                Engine = engine,
                SearchPath = request.SearchPath,
                Tags = request.Tags ?? [],
                ContentTag = request.ContentTag,
                Push = request.Push,
                SkipTlsVerify = request.SkipTlsVerify,
                BuildArguments = buildArguments,
                Labels = labels,
                NoCache = request.NoCache,
                Platform = request.Platform,
                EngineArguments = engineArguments,
                BuildOptions = buildOptions,
            },
            Engine = engine,
            EnginePath = enginePath,
            ContextPath = context,
            DockerfilePath = dockerfile,
            Repository = repository,
            Tags = tags,
            ContentTag = contentTag,
            EngineArguments = engineArguments,
            BuildArguments = [.. engineArguments, .. build],
            BuildCommandLine = EngineCommands.Display(engine, [.. engineArguments, .. build]),
        };
    }

    /// <inheritdoc />
    public string ComputeContentTag(string contextPath, string dockerfilePath, IReadOnlyDictionary<string, string>? buildArguments) =>
        ContentTag.Compute(contextPath, dockerfilePath, buildArguments);

    /// <inheritdoc />
    public Task<RegistryImage> InspectRegistryAsync(string reference, bool skipTlsVerify, CancellationToken cancellationToken) =>
        RegistryClient.InspectAsync(reference, skipTlsVerify, cancellationToken);

    /// <inheritdoc />
    public ImageBuildOperation Start(ImageBuildPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var channel = Channel.CreateUnbounded<ImageBuildEvent>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        var completion = Task.Run(() => RunAsync(plan, channel.Writer, cancellationToken), CancellationToken.None);
        return new ImageBuildOperation(plan, channel.Reader, completion);
    }

    private static async Task<E2eImage> RunAsync(ImageBuildPlan plan, ChannelWriter<ImageBuildEvent> events, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var request = plan.Request;
        var workFolder = Directory.CreateTempSubdirectory("e2eps-build-");
        var phase = ImageBuildPhase.Building;
        var stepCount = 0;
        Exception? failure = null;
        void Say(string text, bool isCommand = false) =>
            events.TryWrite(new ImageBuildEvent { Phase = phase, Text = text, IsCommand = isCommand, StepCount = stepCount, Elapsed = clock.Elapsed });
        void Line(string text, bool isError)
        {
            var step = 0;
            if (phase == ImageBuildPhase.Building && BuildOutput.TryParseStep(text, out var parsed, out var count))
            {
                step = parsed;
                stepCount = count;
            }

            events.TryWrite(new ImageBuildEvent { Phase = phase, Text = text, IsError = isError, Step = step, StepCount = stepCount, Elapsed = clock.Elapsed });
        }

        async Task<EngineProcessResult> Run(IReadOnlyList<string> arguments, Action<string, bool>? capture = null)
        {
            IReadOnlyList<string> full = [.. plan.EngineArguments, .. arguments];
            Say(EngineCommands.Display(plan.Engine, full), isCommand: true);
            return await EngineProcess.RunAsync(plan.EnginePath, full, (text, isError) =>
            {
                capture?.Invoke(text, isError);
                Line(text, isError);
            }, cancellationToken);
        }

        // Engine calls that clean up after a cancelled or failed step: they run even though the token is cancelled.
        async Task<EngineProcessResult> CleanUp(IReadOnlyList<string> arguments, bool announce = true)
        {
            IReadOnlyList<string> full = [.. plan.EngineArguments, .. arguments];
            if (announce)
            {
                Say(EngineCommands.Display(plan.Engine, full), isCommand: true);
            }

            using var timeout = new CancellationTokenSource(s_cleanupTimeout);
            try
            {
                return await EngineProcess.RunAsync(plan.EnginePath, full, (text, isError) =>
                {
                    if (announce)
                    {
                        Line(text, isError);
                    }
                }, timeout.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or E2eException)
            {
                return new EngineProcessResult(-1, [error.Message]);
            }
        }

        var active = new ActiveBuild(StorageKey(plan), cancellationToken);
        s_activeBuilds.TryAdd(active, 0);
        try
        {
            // Build without a tag: a failed build leaves no tag behind, and a tag never points at a half-built image.
            var imageIdFile = Path.Combine(workFolder.FullName, "image-id");
            var containersBefore = await ListWorkingContainersAsync(plan);
            EngineProcessResult build;
            try
            {
                build = await Run(EngineCommands.Build(plan.Engine, plan.ContextPath, plan.DockerfilePath, imageIdFile,
                    request.SkipTlsVerify, request.NoCache, request.Platform, request.BuildArguments, request.Labels, request.BuildOptions ?? []));
            }
            catch (OperationCanceledException) when (containersBefore is not null)
            {
                // The engine is stopped; podman leaves its working container behind even after SIGTERM.
                await RemoveWorkingContainersAsync(plan, active, containersBefore, CleanUp, text => Say(text));
                throw;
            }
            var imageId = File.Exists(imageIdFile) ? (await File.ReadAllTextAsync(imageIdFile, CancellationToken.None)).Trim() : "";
            if (build.ExitCode != 0 || imageId.Length == 0)
            {
                throw new E2eException("ImageBuildFailed", E2eErrorCategory.InvalidResult, plan.Job,
                    $"Building the image of job '{plan.Job.JobName}' with {plan.Engine} failed with exit code {build.ExitCode}"
                    + $"{(build.ExitCode == 0 ? " and no image id" : "")} (Dockerfile '{plan.DockerfilePath}'). Nothing was tagged or pushed.{BuildOutput.Tail(build.Tail)}")
                {
                    RecommendedAction = "Fix the failing step of the Dockerfile and build again; run with -Verbose to see the whole output of the engine.",
                };
            }

            phase = ImageBuildPhase.Tagging;
            // Every tag or none: a tag set before a failure or Ctrl+C goes back to the image it named before.
            var tagged = new List<(string Tag, string? Previous)>();
            try
            {
                foreach (var tag in plan.Tags)
                {
                    var previous = await ImageIdAsync(plan, tag, CleanUp);
                    cancellationToken.ThrowIfCancellationRequested();
                    tagged.Add((tag, previous));
                    var result = await Run(EngineCommands.Tag(imageId, tag));
                    if (result.ExitCode != 0)
                    {
                        throw new E2eException("ImageTagFailed", E2eErrorCategory.InvalidResult, tag,
                            $"Tagging image {imageId} as '{tag}' with {plan.Engine} failed with exit code {result.ExitCode}.{BuildOutput.Tail(result.Tail)}")
                        {
                            RecommendedAction = "Check the tag, and that the engine's storage is writable.",
                        };
                    }
                }
            }
            catch (Exception error) when (error is OperationCanceledException or E2eException)
            {
                await RollBackTagsAsync(plan, imageId, tagged, CleanUp);
                throw;
            }

            string? digest = null;
            if (request.Push)
            {
                phase = ImageBuildPhase.Pushing;
                foreach (var tag in plan.Tags)
                {
                    var pushed = await PushAsync(plan, tag, workFolder.FullName, Run);
                    digest ??= pushed;
                }
            }

            var main = plan.Tags[0];
            var reference = digest is not null
                ? $"{ImageReference.Repository(main)}@{digest}"
                : plan.ContentTag is not null ? $"{plan.Repository}:{plan.ContentTag}" : main;
            Say(digest is not null ? $"Pushed {reference}" : $"Built {imageId} as {string.Join(", ", plan.Tags)}");
            return new E2eImage
            {
                Reference = reference,
                Name = plan.Job.Name,
                JobName = plan.Job.JobName,
                Namespace = plan.Job.Namespace,
                Path = plan.Job.Path,
                Repository = plan.Repository,
                Digest = digest,
                ImageId = imageId,
                Engine = plan.Engine,
                Tags = plan.Tags,
                ContentTag = plan.ContentTag,
                Pushed = request.Push,
                SkipTlsVerify = request.SkipTlsVerify,
                Duration = clock.Elapsed,
                Job = plan.Job,
            };
        }
        catch (Exception error)
        {
            failure = error;
            throw;
        }
        finally
        {
            s_activeBuilds.TryRemove(active, out _);
            await RemoveLeftContainersAsync(plan, active.Storage, CleanUp);
            // Events end before the result is known, so the reader never waits for a line that cannot come.
            events.TryComplete(failure is E2eException or OperationCanceledException ? null : failure);
            try
            {
                workFolder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is harmless.
            }
        }
    }

    private static string StorageKey(ImageBuildPlan plan) => string.Join('\0', [plan.EnginePath, .. plan.EngineArguments]);

    private static async Task<IReadOnlyList<string>?> ListWorkingContainersAsync(ImageBuildPlan plan)
    {
        var arguments = EngineCommands.ListWorkingContainers(plan.Engine);
        if (arguments is null)
        {
            return null;
        }

        // The whole listing, not only the last lines EngineProcess keeps; it is small (one entry a container).
        var output = new System.Text.StringBuilder();
        var result = await EngineProcess.RunAsync(plan.EnginePath, [.. plan.EngineArguments, .. arguments], (text, isError) =>
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
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the working containers that appeared while a cancelled build ran. They are told apart from
    /// other containers by comparing the lists before and after, as the engines give a build's working
    /// container no label or name of ours; while another build of this process runs on the same storage
    /// they could be that build's, and are left for the last build of that storage to remove when it
    /// ends. A build that another program starts in the same storage during the cancelled one cannot be
    /// told apart.
    /// </summary>
    private static async Task RemoveWorkingContainersAsync(ImageBuildPlan plan, ActiveBuild self, IReadOnlyList<string> before,
        Func<IReadOnlyList<string>, bool, Task<EngineProcessResult>> cleanUp, Action<string> say)
    {
        var after = await ListWorkingContainersAsync(plan);
        var left = after?.Except(before, StringComparer.Ordinal).ToList() ?? [];
        if (left.Count == 0)
        {
            return;
        }

        if (s_activeBuilds.Keys.Any(b => !ReferenceEquals(b, self) && b.Storage == self.Storage && !b.Token.IsCancellationRequested))
        {
            var pending = s_leftContainers.GetOrAdd(self.Storage, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            foreach (var id in left)
            {
                pending.TryAdd(id, 0);
            }

            say($"The working container(s) {string.Join(", ", left)} appeared during the cancelled build; another build of this session uses the same storage and could own them: those still there when it ends will be removed then.");
            return;
        }

        var removed = await cleanUp(EngineCommands.RemoveContainers(plan.Engine, left), true);
        if (removed.ExitCode != 0)
        {
            // Two builds cancelled together remove each other's containers too: name only those still there.
            var still = (await ListWorkingContainersAsync(plan) ?? left).Intersect(left, StringComparer.Ordinal).ToList();
            if (still.Count > 0)
            {
                say($"Could not remove the working container(s) {string.Join(", ", still)} of the cancelled build; remove them with '{plan.Engine} rm <id>'.");
            }
        }
    }

    /// <summary>When no build of this storage runs any more, removes the containers cancelled builds left to it.</summary>
    private static async Task RemoveLeftContainersAsync(ImageBuildPlan plan, string storage,
        Func<IReadOnlyList<string>, bool, Task<EngineProcessResult>> cleanUp)
    {
        if (s_activeBuilds.Keys.Any(b => b.Storage == storage) || !s_leftContainers.TryRemove(storage, out var left) || left.IsEmpty)
        {
            return;
        }

        try
        {
            var present = (await ListWorkingContainersAsync(plan) ?? []).Where(left.ContainsKey).ToList();
            if (present.Count > 0)
            {
                await cleanUp(EngineCommands.RemoveContainers(plan.Engine, present), true);
            }
        }
        catch (E2eException)
        {
            // The engine cannot be started any more: nothing to remove with.
        }
    }

    private static async Task<string?> ImageIdAsync(ImageBuildPlan plan, string reference,
        Func<IReadOnlyList<string>, bool, Task<EngineProcessResult>> cleanUp)
    {
        var result = await cleanUp(EngineCommands.ImageId(plan.Engine, reference), false);
        var id = result.ExitCode == 0 && result.Tail.Count > 0 ? result.Tail[^1].Trim() : null;
        return string.IsNullOrEmpty(id) ? null : id;
    }

    /// <summary>
    /// Puts each tag back on the image it named before the build, or takes it off. The new image itself
    /// stays, without a name of this build (as after a failed build); it may have been there before.
    /// </summary>
    private static async Task RollBackTagsAsync(ImageBuildPlan plan, string imageId, IReadOnlyList<(string Tag, string? Previous)> tagged,
        Func<IReadOnlyList<string>, bool, Task<EngineProcessResult>> cleanUp)
    {
        foreach (var (tag, previous) in tagged.Reverse())
        {
            if (previous is not null && SameImage(previous, imageId))
            {
                continue; // The tag named this very image before (a cached build): nothing changed.
            }

            if (previous is not null)
            {
                await cleanUp(EngineCommands.Tag(previous, tag), true);
            }
            else if (SameImage(await ImageIdAsync(plan, tag, cleanUp), imageId))
            {
                await cleanUp(EngineCommands.Untag(plan.Engine, imageId, tag), true);
            }
        }
    }

    private static bool SameImage(string? a, string? b) =>
        a is not null && b is not null && Strip(a).Equals(Strip(b), StringComparison.OrdinalIgnoreCase);

    private static string Strip(string id) => id.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? id[7..] : id;

    private sealed class ActiveBuild(string storage, CancellationToken token)
    {
        public string Storage => storage;

        public CancellationToken Token => token;
    }

    private static async Task<string?> PushAsync(ImageBuildPlan plan, string tag, string workFolder,
        Func<IReadOnlyList<string>, Action<string, bool>?, Task<EngineProcessResult>> run)
    {
        var digestFile = Path.Combine(workFolder, "digest");
        File.Delete(digestFile);
        var lines = new List<string>();
        var pushed = await run(EngineCommands.Push(plan.Engine, tag, digestFile, plan.Request.SkipTlsVerify), (text, _) =>
        {
            lock (lines)
            {
                lines.Add(text);
            }
        });
        if (pushed.ExitCode != 0)
        {
            throw BuildOutput.PushError(plan.Engine, tag, pushed.ExitCode, pushed.Tail);
        }

        if (File.Exists(digestFile))
        {
            var written = (await File.ReadAllTextAsync(digestFile, CancellationToken.None)).Trim();
            if (BuildOutput.IsDigest(written))
            {
                return written;
            }
        }

        string? digest;
        lock (lines)
        {
            digest = BuildOutput.FindPushedDigest(lines);
        }

        if (digest is null && plan.Engine == ContainerEngines.Docker)
        {
            var repository = ImageReference.Repository(tag);
            var digests = new List<string>();
            var inspected = await run(EngineCommands.InspectRepoDigests(tag), (text, _) =>
            {
                lock (digests)
                {
                    digests.Add(text.Trim());
                }
            });
            if (inspected.ExitCode == 0)
            {
                lock (digests)
                {
                    digest = digests.Where(d => d.StartsWith(repository + "@", StringComparison.Ordinal))
                        .Select(d => d[(repository.Length + 1)..])
                        .FirstOrDefault(BuildOutput.IsDigest);
                }
            }
        }

        return digest;
    }

    private static (string Repository, List<string> Tags) ResolveTags(E2eJob job, IReadOnlyList<string> requested)
    {
        string? repository = string.IsNullOrEmpty(job.Image) ? null : ImageReference.Repository(job.Image);
        var tags = new List<string>();
        void Add(string reference)
        {
            ImageReference.Validate(reference);
            if (reference.Contains('@', StringComparison.Ordinal))
            {
                throw new E2eException("InvalidImageTag", E2eErrorCategory.InvalidArgument, reference,
                    $"'{reference}' names a digest; an image can only be tagged with a tag.")
                {
                    RecommendedAction = "Pass a tag such as 1.0, or a reference such as registry.example.com/team/test-api-e2e:1.0.",
                };
            }

            if (!tags.Contains(reference))
            {
                tags.Add(reference);
            }
        }

        foreach (var tag in requested.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()))
        {
            if (tag.Contains('/', StringComparison.Ordinal) || tag.Contains(':', StringComparison.Ordinal) || tag.Contains('@', StringComparison.Ordinal))
            {
                Add(WithTag(tag));
                repository ??= ImageReference.Repository(tag);
            }
            else if (repository is null)
            {
                throw NoRepository(job, tag);
            }
            else
            {
                Add($"{repository}:{tag}");
            }
        }

        if (tags.Count == 0)
        {
            if (repository is null)
            {
                throw NoRepository(job, job.JobName);
            }

            Add(WithTag(job.Image));
        }

        return (repository ?? ImageReference.Repository(tags[0]), tags);
    }

    // A reference without a tag means :latest, as every engine reads it; a digest is dropped.
    private static string WithTag(string reference)
    {
        var withoutDigest = reference.Contains('@', StringComparison.Ordinal) ? reference[..reference.IndexOf('@', StringComparison.Ordinal)] : reference;
        return ImageReference.Repository(withoutDigest) == withoutDigest ? withoutDigest + ":latest" : withoutDigest;
    }

    private static E2eException NoRepository(E2eJob job, string target) =>
        new("NoImageReference", E2eErrorCategory.InvalidArgument, target,
            $"Job '{job.JobName}' names no image, so there is no repository to tag.")
        {
            RecommendedAction = "Pass a full reference with -Tag, for example -Tag registry.example.com/team/test-api-e2e:1.0, or set the image with New-E2eJob -Image.",
        };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ArgumentNamePattern();
}
