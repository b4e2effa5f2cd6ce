using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;
using E2ePs.Models;
using E2ePs.Naming;

namespace E2ePs.Engine.Images;

/// <summary>
/// Turns a build request into a plan: the context and Dockerfile checked, the build arguments and labels
/// checked, the tags resolved, the engine found, and the build command as it will run. Nothing runs yet.
/// </summary>
internal sealed partial class BuildPlanner(IProcessEnvironment environment)
{
    /// <summary>The plan of <paramref name="request"/>, or a clear error for what is wrong with it.</summary>
    public ImageBuildPlan Plan(ImageBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var job = request.Job ?? throw new ArgumentException("The request has no job.", nameof(request));
        var context = ContextOf(job);
        var dockerfile = DockerfileOf(job, context);
        var buildArguments = request.BuildArguments ?? new Dictionary<string, string>();
        CheckBuildArguments(buildArguments);
        var labels = LabelsOf(job, request.Labels);
        var (repository, tags) = ImageTags.Resolve(job, request.Tags ?? []);
        string? contentTag = null;
        if (request.ContentTag)
        {
            contentTag = ContentTag.Compute(context, dockerfile, buildArguments);
            if (!tags.Contains($"{repository}:{contentTag}"))
            {
                tags.Add($"{repository}:{contentTag}");
            }
        }

        var (engine, enginePath) = ContainerEngines.Resolve(request.Engine, request.SearchPath, environment);
        var settled = Settle(request, engine, buildArguments, labels);
        var build = EngineCommands.Build(engine, context, dockerfile, "<image-id-file>", request.SkipTlsVerify, request.NoCache,
            request.Platform, buildArguments, labels, settled.BuildOptions!);
        IReadOnlyList<string> engineArguments = settled.EngineArguments!;
        return new ImageBuildPlan
        {
            Request = settled,
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

    // The request as it will run: the engine found, the options from the environment when it gives none.
    private ImageBuildRequest Settle(ImageBuildRequest request, string engine, IReadOnlyDictionary<string, string> buildArguments,
        IReadOnlyDictionary<string, string> labels) => new()
        {
            Job = request.Job,
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
            EngineArguments = request.EngineArguments ?? EngineCommands.SplitOptions(environment.Variable(ImageBuilder.EngineArgumentsVariable)),
            BuildOptions = request.BuildOptions ?? EngineCommands.SplitOptions(environment.Variable(ImageBuilder.BuildOptionsVariable)),
        };

    private static string ContextOf(E2eJob job)
    {
        var context = string.IsNullOrEmpty(job.Path) ? "" : Path.GetFullPath(job.Path);
        if (context.Length == 0 || !Directory.Exists(context))
        {
            throw new E2eException("BuildContextNotFound", E2eErrorCategory.ObjectNotFound, job.Path,
                $"The build context of job '{job.JobName}', the repository folder '{job.Path}', does not exist.")
            {
                RecommendedAction = "Read the job with Get-E2eJob -Path <repository root> and pipe it to Build-E2eImage.",
            };
        }

        return context;
    }

    private static string DockerfileOf(E2eJob job, string context)
    {
        var dockerfile = string.IsNullOrEmpty(job.DockerfilePath)
            ? Path.GetFullPath(JobLayout.DockerfileFile(job.Name), context)
            : Path.GetFullPath(job.DockerfilePath, context);
        if (!File.Exists(dockerfile))
        {
            throw new E2eException("DockerfileNotFound", E2eErrorCategory.ObjectNotFound, dockerfile,
                $"The Dockerfile of job '{job.JobName}' does not exist: '{dockerfile}'.")
            {
                RecommendedAction = $"Create the job's files with New-E2eJob -Name {job.Name} (add -Force to rewrite them), or restore the Dockerfile from version control.",
            };
        }

        return dockerfile;
    }

    private static void CheckBuildArguments(IReadOnlyDictionary<string, string> buildArguments)
    {
        foreach (var key in buildArguments.Keys.Where(k => !ArgumentNamePattern().IsMatch(k)))
        {
            throw new E2eException("InvalidBuildArgument", E2eErrorCategory.InvalidArgument, key,
                $"'{key}' is not a valid build argument name.")
            {
                RecommendedAction = "Use letters, digits and underscores, starting with a letter or underscore, as in an ARG instruction.",
            };
        }
    }

    // The request's labels, checked, and the label that records the job.
    private static Dictionary<string, string> LabelsOf(E2eJob job, IReadOnlyDictionary<string, string>? requested)
    {
        var labels = new Dictionary<string, string>(requested ?? new Dictionary<string, string>(), StringComparer.Ordinal);
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
            labels.TryAdd(ImageBuilder.JobLabel, job.JobName);
        }

        return labels;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ArgumentNamePattern();
}
