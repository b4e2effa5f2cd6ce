using System.Management.Automation;
using E2ePs.Completion;
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
        var root = ResolveRepositoryPath(Path);
        var names = JobNames(Name, PipedFolder);
        WriteVerbose($"Looking for {(names is not { Length: > 0 } ? "every job" : "the jobs " + string.Join(", ", names))} in '{System.IO.Path.Combine(root, E2ePs.Naming.JobLayout.ManifestFolder)}' ({E2ePs.Naming.JobLayout.ManifestSearchPattern}).");
        foreach (var job in ResolveJobs(piped: null, names, Path, allWhenUnnamed: true))
        {
            WriteVerbose($"Read job {job.Name} ({job.Template}, namespace {job.Namespace}, image {job.Image}) from '{job.ManifestPath}'.");
            WriteObject(job);
        }
    }
}
