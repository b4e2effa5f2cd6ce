using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;

namespace E2ePs.Cmdlets;

/// <summary>Remove-E2eJob: deletes a job's Job and pods from the cluster; with -All also its ServiceAccount, Role and RoleBinding.</summary>
[Cmdlet(VerbsCommon.Remove, "E2eJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Remove-E2eJob.md")]
[OutputType(typeof(void))]
public sealed class RemoveE2eJobCommand : ClusterCmdlet
{
    /// <summary>Short name (or full Kubernetes name) of the job.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Also delete the job's ServiceAccount, Role and RoleBinding.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            try
            {
                var jobName = KubernetesJobName(name);
                var identity = Engine.Cluster.Resolve(Target);
                var ns = Target.Namespace ?? identity.DefaultNamespace;
                var what = All ? "Delete the Job with its pods, ServiceAccount, Role and RoleBinding" : "Delete the Job with its pods";
                if (!ShouldProcess($"{jobName} in namespace {ns} on context '{identity.Context}'", what))
                {
                    continue;
                }

                foreach (var removed in Await(Engine.Cluster.RemoveAsync(Target, jobName, All, CancellationToken)))
                {
                    WriteVerbose($"Deleted {removed} in namespace {ns}.");
                }
            }
            catch (E2eException error)
            {
                WriteE2eError(error);
            }
        }
    }
}
