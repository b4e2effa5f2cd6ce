using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Naming;

namespace E2ePs.Cmdlets;

/// <summary>
/// Remove-E2eJob: deletes runs of jobs (each run is a Job of its own, with its pods): every run of the
/// named definitions, or all but the newest -Keep, or those older than -OlderThan; a piped E2eRun is
/// exactly that run. With -All, once no run of a definition is left, also its ServiceAccount, Role and RoleBinding.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "E2eJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Remove-E2eJob.md")]
[OutputType(typeof(void))]
public sealed class RemoveE2eJobCommand : ClusterCmdlet
{
    /// <summary>Short names (or Kubernetes names) of jobs: all their runs are removed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The Job of one run, bound by property name from a piped E2eRun (with its Uid): only that run is removed.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? JobName { get; set; }

    /// <summary>UID of the Job of a piped E2eRun.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? Uid { get; set; }

    /// <summary>Keep the newest N runs of each job; remove the older ones.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Keep { get; set; }

    /// <summary>Only remove runs started longer ago than this, for example (New-TimeSpan -Days 1) or '12:00:00'.</summary>
    [Parameter]
    public TimeSpan? OlderThan { get; set; }

    /// <summary>Also delete the job's ServiceAccount, Role and RoleBinding once no run of it is left.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            try
            {
                Remove(name);
            }
            catch (E2eException error)
            {
                WriteE2eError(error);
            }
        }
    }

    private void Remove(string name)
    {
        var target = Target;
        var finder = Runs;
        var piped = !string.IsNullOrEmpty(JobName) && !string.IsNullOrEmpty(Uid);
        // InvalidJobName before any request; a piped run's Name is its definition's short name.
        var (shortName, _) = RunFinder.ParseName(name);

        IReadOnlyList<E2eRun> runs;
        ClusterTarget where;
        if (piped)
        {
            runs = [new E2eRun { Name = shortName, JobName = JobName!, Uid = Uid!, Namespace = target.Namespace ?? "", RunId = Uid! }];
            where = target;
        }
        else
        {
            (runs, where) = Await(finder.RunsAsync(name, target, null, CancellationToken));
        }

        var identity = Engine.Cluster.Resolve(where);
        var ns = where.Namespace ?? identity.DefaultNamespace;
        var chosen = RunSelection.ToRemove(runs, Keep, OlderThan is { } age ? DateTimeOffset.UtcNow - age : null);
        WriteVerbose($"{shortName}: {runs.Count} run(s) in namespace {ns}, {chosen.Count} to remove{(Keep is { } keep ? $", keeping the newest {keep}" : "")}{(OlderThan is { } older ? $", those started more than {older} ago" : "")}.");
        if (runs.Count == 0 && !All)
        {
            throw finder.NotFound(name, where, null);
        }

        var removed = 0;
        foreach (var run in chosen)
        {
            var runNs = string.IsNullOrEmpty(run.Namespace) ? ns : run.Namespace;
            var described = string.IsNullOrEmpty(run.RunId) || run.RunId == run.Uid ? run.JobName : $"{run.JobName} (run {run.RunId}, {run.Status}, started {run.StartTime:u})";
            if (!ShouldProcess($"{described} in namespace {runNs} on context '{identity.Context}'", "Delete the Job with its pods"))
            {
                continue;
            }

            var runTarget = new ClusterTarget { Kubeconfig = where.Kubeconfig, Context = where.Context, Namespace = runNs };
            foreach (var deleted in Await(Engine.Cluster.RemoveAsync(runTarget, run.JobName, all: false, CancellationToken)))
            {
                WriteVerbose($"Deleted {deleted} in namespace {runNs}.");
            }

            removed++;
        }

        if (All)
        {
            RemoveAccess(shortName, where, ns, identity, runs.Count, chosen.Count, removed, piped);
        }
    }

    /// <summary>-All: the ServiceAccount, Role and RoleBinding the runs share go only once no run is left, since a run still uses them.</summary>
    private void RemoveAccess(string shortName, ClusterTarget where, string ns, ClusterIdentity identity, int runs, int chosen, int removed, bool piped)
    {
        // Under -WhatIf nothing was removed: the sentence says what would follow if the runs chosen went.
        var left = piped ? Await(Runs.RunsAsync(shortName, where, null, CancellationToken)).Runs.Count : runs - chosen;
        if (left > 0 || (removed < chosen && !IsWhatIfRequested))
        {
            WriteVerbose($"Kept the ServiceAccount, Role and RoleBinding of {shortName}: {Math.Max(left, chosen - removed)} run(s) of it are left in namespace {ns}.");
            return;
        }

        var kubernetesName = JobLayout.KubernetesName(shortName);
        if (!ShouldProcess($"ServiceAccount, Role and RoleBinding {kubernetesName} in namespace {ns} on context '{identity.Context}'", "Delete"))
        {
            return;
        }

        var deleted = Await(Engine.Cluster.RemoveAccessAsync(where, kubernetesName, CancellationToken));
        foreach (var what in deleted)
        {
            WriteVerbose($"Deleted {what} in namespace {ns}.");
        }

        if (deleted.Count == 0 && runs == 0)
        {
            throw Runs.NotFound(shortName, where, null);
        }
    }

    private bool IsWhatIfRequested =>
        (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) && LanguagePrimitives.IsTrue(whatIf))
        || LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
