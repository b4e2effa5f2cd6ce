using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Validation;

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

        // -Name follows PowerShell's wildcard rules ('*', '?', '[1-3]') as Get-Process does: a name
        // without wildcards that matches no job is a non-terminating ObjectNotFound error, a pattern that
        // matches none is not an error, and a malformed pattern stops the command. A name without
        // wildcards that no job can have (UPPER, bad_name) is InvalidJobName rather than "not found".
        var names = JobNames(Name, PipedFolder);
        var patterns = new List<string>();
        var exact = new List<string>();
        foreach (var name in names ?? [])
        {
            try
            {
                if (ValueRules.ContainsWildcard(name))
                {
                    _ = ValueRules.NameMatcher(name);
                    patterns.Add(name);
                }
                else
                {
                    var shortName = ValueRules.ShortName(ValueRules.KubernetesJobName(name))!;
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

        if (names is { Length: > 0 } && patterns.Count == 0)
        {
            return;
        }

        foreach (var result in Engine.Catalog.Find(root, patterns))
        {
            if (result.Job is not null)
            {
                WriteObject(result.Job);
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
                $"There is no E2E job '{name}' in '{root}' (no deploy/k8s/99-test-{name}-e2e.yaml).")
            {
                RecommendedAction = "List the jobs with Get-E2eJob, or create this one with New-E2eJob.",
            });
        }
    }
}
