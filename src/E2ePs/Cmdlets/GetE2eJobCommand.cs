using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>Get-E2eJob: finds the E2E job definitions of a repository and reads them back from their manifests.</summary>
[Cmdlet(VerbsCommon.Get, "E2eJob", HelpUri = HelpLinks.Base + "Get-E2eJob.md")]
[OutputType(typeof(E2eJob))]
public sealed class GetE2eJobCommand : E2eCmdlet
{
    /// <summary>Short names of the jobs; wildcards allowed. All jobs by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Root of the repository; the current location by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    public string? Path { get; set; }

    /// <summary>
    /// Hidden: the PSIsContainer of a piped file-system item. A folder piped in binds to -Path through
    /// its FullName; this tells its Name (the folder's) from a job name.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("PSIsContainer")]
    public bool PipedFolder { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var root = ResolveFileSystemPath(Path);
        if (!Directory.Exists(root))
        {
            WriteE2eError(new E2eException("RepositoryNotFound", E2eErrorCategory.ObjectNotFound, root,
                $"The repository folder '{root}' does not exist.")
            {
                RecommendedAction = "Pass the root of your repository with -Path, or run the command from it.",
            });
            return;
        }

        var patterns = JobNames(Name, PipedFolder) ?? [];
        WriteVerbose($"Looking for {(patterns.Length == 0 ? "every job" : "the jobs " + string.Join(", ", patterns))} in '{System.IO.Path.Combine(root, "deploy", "k8s")}' (99-test-<name>-e2e.yaml).");
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var result in Engine.Catalog.Find(root, patterns))
        {
            if (result.Job is not null)
            {
                WriteVerbose($"Read job {result.Job.Name} ({result.Job.Template}, namespace {result.Job.Namespace}, image {result.Job.Image}) from '{result.Job.ManifestPath}'.");
                found.Add(result.Job.Name);
                WriteObject(result.Job);
            }
            else if (result.Error is not null)
            {
                WriteE2eError(result.Error);
            }
        }

        foreach (var name in patterns.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !found.Contains(n)))
        {
            WriteE2eError(new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, name,
                $"There is no E2E job '{name}' in '{root}' (no deploy/k8s/99-test-{name}-e2e.yaml).")
            {
                RecommendedAction = "List the jobs with Get-E2eJob, or create this one with New-E2eJob.",
            });
        }
    }
}
