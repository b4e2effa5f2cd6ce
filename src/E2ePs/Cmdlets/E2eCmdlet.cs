using System.Management.Automation;
using E2ePs.Contracts;
using E2ePs.Loading;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// What every E2ePs cmdlet shares: the engine, a cancellation token that Ctrl+C cancels, path
/// resolution through the provider, and the mapping of engine errors to ErrorRecords.
/// </summary>
public abstract partial class E2eCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private HashSet<string>? _commandLineParameters;
    private bool _disposed;

    /// <summary>The engine, loaded once per process into E2ePs's private load context.</summary>
    protected static IE2eEngine Engine => EngineHost.Engine;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Where the module keeps its templates: beside the folder of E2ePs.dll.</summary>
    protected static string TemplateRoot => ModuleLayout.TemplateRoot;

    /// <summary>
    /// Remembers the parameters given on the command line: BeginProcessing runs after they are bound
    /// and before any piped object is. Cmdlets that override it call this base.
    /// </summary>
    protected override void BeginProcessing()
    {
        _commandLineParameters = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        base.BeginProcessing();
    }

    /// <summary>Whether a parameter was given on the command line rather than bound from a piped object.</summary>
    protected bool IsCommandLineParameter(string name) =>
        _commandLineParameters?.Contains(name) ?? MyInvocation.BoundParameters.ContainsKey(name);

    /// <summary>
    /// The job names to use: a folder piped in (Get-Item ./repo) binds its FullName to -Path, and
    /// also its Name to -Name by property name; that is the folder's name, not a job's, so it is
    /// dropped. <paramref name="pipedContainer"/> is the piped item's PSIsContainer.
    /// </summary>
    protected string[]? JobNames(string[]? names, bool pipedContainer) =>
        pipedContainer && !IsCommandLineParameter("Name") ? null : names;

    /// <summary>
    /// False, after writing ImageNotPushed, when an E2eImage piped in was built but not pushed: the
    /// cluster pulls <paramref name="image"/> from the registry, which holds another image of that
    /// tag or none. When the registry's image of that tag is the very image built (its config digest,
    /// the image id, is <paramref name="imageId"/>), a warning instead, and <paramref name="image"/>
    /// becomes that manifest's digest reference so the run cannot pick up a later push of the tag. The
    /// image id is compared, not a manifest digest: the engines compress layers as they push, so the
    /// local manifest's digest is never the registry's. An -Image given on the command line is the
    /// user's choice and is not checked.
    /// </summary>
    protected bool CheckPipedImage(bool? pushed, ref string? image, string? imageId, bool skipTlsVerify, string verb)
    {
        if (pushed != false || IsCommandLineParameter("Image"))
        {
            return true;
        }

        var why = "which holds an older image of that tag or none";
        if (!string.IsNullOrEmpty(image) && !string.IsNullOrEmpty(imageId))
        {
            var served = Await(Engine.Images.InspectRegistryAsync(image, skipTlsVerify, CancellationToken));
            var id = imageId.StartsWith("sha256:", StringComparison.Ordinal) ? imageId : "sha256:" + imageId;
            if (served.ConfigDigest is not null && served.ManifestDigest is not null && string.Equals(served.ConfigDigest, id, StringComparison.OrdinalIgnoreCase))
            {
                var tagged = image.LastIndexOf(':') > image.LastIndexOf('/');
                var pinned = $"{(tagged ? image[..image.LastIndexOf(':')] : image)}@{served.ManifestDigest}";

                WriteWarning($"ImageNotPushed: the image '{image}' was built but not pushed; the registry's '{image}' is that same image ({id}), so {pinned} is {verb}. Add -Push to Build-E2eImage to push what you build.");
                image = pinned;
                return true;
            }

            why = served.Problem is not null ? $"and {served.Problem}"
                : served.ConfigDigest is null ? "which serves a list or index for that tag, not the image built"
                : $"which serves another image for that tag ({served.ConfigDigest}, not {id})";
        }

        WriteE2eError(new E2eException("ImageNotPushed", E2eErrorCategory.InvalidArgument, image,
            $"The image '{image}' was built but not pushed: the cluster would pull '{image}' from its registry, {why}. Nothing was {verb}.")
        {
            RecommendedAction = "Push it as you build it: Build-E2eImage -Push | " + MyInvocation.MyCommand.Name + ". To run an image the cluster already has (kind load, a node's cache), pass it with -Image.",
        });
        return false;
    }

    /// <summary>
    /// False, after writing JobNotIdentified, when neither a job name nor a manifest file says which
    /// job to work on (a repository folder alone, from -Path or piped in).
    /// </summary>
    protected bool CheckJobIdentified(string[]? names, string? path, string verb)
    {
        var resolved = ResolveFileSystemPath(path);
        if (names is { Length: > 0 } || File.Exists(resolved))
        {
            return true;
        }

        WriteE2eError(new E2eException("JobNotIdentified", E2eErrorCategory.InvalidArgument, resolved,
            $"No job to {verb}: '{resolved}' is a folder, not a job's manifest, and no -Name was given.")
        {
            RecommendedAction = $"Pass -Name with the short names of jobs in '{resolved}', or -Path with a manifest ({E2ePs.Naming.JobLayout.ManifestFile("<name>")}); Get-E2eJob -Path '{resolved}' | {MyInvocation.MyCommand.Name} takes every job of the repository.",
        });
        return false;
    }

    /// <inheritdoc />
    protected override void StopProcessing()
    {
        _cancellation.Cancel();
        base.StopProcessing();
    }

    /// <summary>
    /// The repository to work in: -Path resolved through the provider, else the repository the current
    /// location is inside (<see cref="E2ePs.Completion.RepositoryRoot.Find"/>), so a command run from any
    /// subfolder works on the whole repository rather than writing or looking into the subfolder.
    /// </summary>
    protected string ResolveRepositoryPath(string? path) =>
        string.IsNullOrEmpty(path) ? E2ePs.Completion.RepositoryRoot.Find(ResolveFileSystemPath(null)) : ResolveFileSystemPath(path);

    /// <summary>Resolves a file-system path through the provider, relative to the current location.</summary>
    protected string ResolveFileSystemPath(string? path) =>
        SessionState.Path.GetUnresolvedProviderPathFromPSPath(string.IsNullOrEmpty(path) ? "." : path);

    /// <summary>
    /// The one way a cmdlet finds the jobs it works on: the ones piped in, else the manifest file at
    /// <paramref name="path"/>, else the jobs named <paramref name="names"/> (wildcards allowed) in the
    /// repository at <paramref name="path"/> (or the current location), found by <see cref="FindJobs"/>.
    /// With no name, <paramref name="allWhenUnnamed"/> says whether that is every job (Get-E2eJob,
    /// Build-E2eImage) or none (Start-E2eJob and Invoke-E2eTest, which have said JobNotIdentified).
    /// A repository folder that does not exist is a non-terminating RepositoryNotFound error, a name
    /// that matches nothing a non-terminating JobNotFound one.
    /// </summary>
    protected IEnumerable<E2eJob> ResolveJobs(IEnumerable<E2eJob>? piped, string[]? names, string? path, bool allWhenUnnamed)
    {
        if (piped is not null)
        {
            foreach (var job in piped)
            {
                yield return job;
            }

            yield break;
        }

        var resolved = ResolveRepositoryPath(path);
        if (File.Exists(resolved))
        {
            var read = Engine.Catalog.Read(resolved, E2ePs.Naming.JobLayout.RepositoryRootOfManifest(resolved));
            if (read.Error is not null)
            {
                throw read.Error;
            }

            yield return read.Job!;
            yield break;
        }

        if (!Directory.Exists(resolved))
        {
            WriteE2eError(new E2eException("RepositoryNotFound", E2eErrorCategory.ObjectNotFound, resolved,
                $"The repository folder '{resolved}' does not exist.")
            {
                RecommendedAction = "Pass the root of your repository with -Path, or run the command from it.",
            });
            yield break;
        }

        // Names and patterns as Get-E2eJob takes them, found the same way.
        if (names is not { Length: > 0 } && !allWhenUnnamed)
        {
            yield break;
        }

        foreach (var job in FindJobs(resolved, names))
        {
            yield return job;
        }
    }

    /// <summary>
    /// The jobs of the repository at <paramref name="root"/> whose short names match <paramref name="names"/>
    /// (all when none), as Get-E2eJob and Build-E2eImage find them; writes a non-terminating error for
    /// each name that matches no job or no job can have, and for each manifest that cannot be read.
    /// </summary>
    private IEnumerable<E2eJob> FindJobs(string root, string[]? names)
    {
        var (patterns, exact) = NamePatterns(names);
        if (names is { Length: > 0 } && patterns.Count == 0)
        {
            yield break;
        }

        foreach (var result in Engine.Catalog.Find(root, patterns))
        {
            if (result.Job is not null)
            {
                yield return result.Job;
            }
            else if (result.Error is not null)
            {
                WriteE2eError(result.Error);
            }
        }

        // Not found means no manifest file: a manifest that exists but cannot be read has had its own error.
        var defined = new HashSet<string>(Engine.Catalog.ListNames(root), StringComparer.Ordinal);
        foreach (var name in exact.Where(n => !defined.Contains(n)))
        {
            WriteE2eError(new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, name,
                $"There is no E2E job '{name}' in '{root}' (no {E2ePs.Naming.JobLayout.ManifestFile(name)}).")
            {
                RecommendedAction = "List the jobs with Get-E2eJob, or create this one with New-E2eJob.",
            });
        }
    }

    /// <summary>
    /// The patterns to look for, and the names among them given without wildcards (each one that
    /// matches no job is JobNotFound). -Name follows PowerShell's wildcard rules ('*', '?', '[1-3]') as
    /// Get-Process does: a name without wildcards that matches no job is a non-terminating ObjectNotFound
    /// error, a pattern that matches none is not an error, and a malformed pattern stops the command. A
    /// name without wildcards that no job can have (UPPER, bad_name) is InvalidJobName rather than "not found".
    /// </summary>
    private (List<string> Patterns, List<string> Exact) NamePatterns(string[]? names)
    {
        var patterns = new List<string>();
        var exact = new List<string>();
        foreach (var name in names ?? [])
        {
            try
            {
                if (E2ePs.Validation.ValueRules.ContainsWildcard(name))
                {
                    _ = E2ePs.Validation.ValueRules.NameMatcher(name);
                    patterns.Add(name);
                }
                else
                {
                    var shortName = E2ePs.Naming.JobLayout.ShortName(E2ePs.Validation.ValueRules.KubernetesJobName(name))!;
                    patterns.Add(shortName);
                    exact.Add(shortName);
                }
            }
            catch (E2eException error) when (error.ErrorId == "InvalidWildcardPattern")
            {
                ThrowE2eError(error);
            }
            catch (E2eException error)
            {
                WriteE2eError(error);
            }
        }

        return (patterns, exact);
    }

    /// <summary>Writes a non-terminating error for one failed item; the others go on.</summary>
    protected void WriteE2eError(E2eException error) => WriteError(ToErrorRecord(error));

    /// <summary>Stops the command with an error.</summary>
    protected void ThrowE2eError(E2eException error) => ThrowTerminatingError(ToErrorRecord(error));

    /// <summary>Turns an engine error into an ErrorRecord with its id, category, target and recommended action.</summary>
    public static ErrorRecord ToErrorRecord(E2eException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var category = Enum.TryParse<ErrorCategory>(error.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(error, error.ErrorId, category, error.Target);
        if (error.RecommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = error.RecommendedAction };
        }

        return record;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the cancellation source.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _cancellation.Dispose();
        }

        _disposed = true;
    }
}
