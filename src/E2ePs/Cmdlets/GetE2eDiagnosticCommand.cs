using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Get-E2eDiagnostic: the guide's troubleshooting for a job that failed or does not start, done through
/// the API: events, container states, init container logs, the ServiceAccount, the RoleBinding and Role,
/// image pull failures. Returns one object whose Summary is the first thing to fix.
/// </summary>
[Cmdlet(VerbsCommon.Get, "E2eDiagnostic", HelpUri = HelpLinks.Base + "Get-E2eDiagnostic.md")]
[OutputType(typeof(E2eDiagnostic))]
public sealed class GetE2eDiagnosticCommand : ClusterCmdlet
{
    /// <summary>Short names (or Kubernetes names) of jobs: each means its newest run.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>
    /// The Kubernetes name of one run's Job, bound by property name from an E2eRun piped in (its JobName,
    /// with its Uid): a run has a Job of its own (test-&lt;name&gt;-e2e-&lt;run&gt;), so the short name alone
    /// does not say which. Not shown: a user names a job with -Name.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? JobName { get; set; }

    /// <summary>UID of the Job of a run, from an E2eRun: says when that run was replaced by a newer one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Uid { get; set; }

    /// <summary>The ServiceAccount the pod should run under; by default the one the manifest creates (the Job's name).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ServiceAccountName { get; set; }

    /// <summary>The job's manifest, whose Role says what the job needs; from an E2eJob piped in.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ManifestPath { get; set; }

    /// <summary>How many lines of each container's log to keep.</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int Tail { get; set; } = 20;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            Diagnose(name);
        }
    }

    private void Diagnose(string name)
    {
        E2eRun run;
        try
        {
            run = RunToRead(name, JobName, Uid);
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return;
        }

        var request = new DiagnosticRequest
        {
            Target = TargetOf(run),
            JobName = run.JobName,
            Uid = string.IsNullOrEmpty(run.Uid) ? null : run.Uid,
            // The runs of a definition share its ServiceAccount, named test-<name>-e2e, whatever their Job is named.
            ExpectedServiceAccount = string.IsNullOrEmpty(ServiceAccountName) ? ExpectedAccount(run) : ServiceAccountName,
            ManifestPath = string.IsNullOrEmpty(ManifestPath) ? null : ResolveFileSystemPath(ManifestPath),
            TailLines = Tail,
        };
        WriteVerbose($"Diagnosing Job {request.JobName}" + (request.Target.Namespace is { } ns ? $" in namespace {ns}" : ""));
        try
        {
            // Ctrl+C: Await lets the engine end its requests, then stops the pipeline with no diagnostic half made.
            WriteObject(Await(Engine.Diagnostics.DiagnoseAsync(request, CancellationToken)));
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    private static string? ExpectedAccount(E2eRun run) =>
        E2ePs.Validation.ValueRules.IsDnsLabel(run.Name) && E2ePs.Naming.JobLayout.KubernetesName(run.Name) is { Length: <= 63 } fixedName && fixedName != run.JobName ? fixedName : null;
}
