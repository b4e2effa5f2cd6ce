using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Naming;
using E2ePs.Validation;

namespace E2ePs.Cmdlets;

/// <summary>
/// The connection parameters of every cmdlet that talks to a cluster. They bind by property name, so
/// an E2eRun piped from Start-E2eJob keeps talking to the cluster and namespace it was started in.
/// </summary>
public abstract class ClusterCmdlet : E2eCmdlet
{
    /// <summary>Kubeconfig file(s); KUBECONFIG, then ~/.kube/config, then the in-cluster service account by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Kubeconfig { get; set; }

    /// <summary>Kubeconfig context; the current context by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Namespace; the job's, else the context's, by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>
    /// The target these parameters describe, with the kubeconfig path resolved through the provider.
    /// An invalid -Namespace is InvalidNamespace here, before any request, rather than "not found" from the cluster.
    /// </summary>
    protected ClusterTarget Target
    {
        get
        {
            ValueRules.Namespace(string.IsNullOrEmpty(Namespace) ? null : Namespace);
            return new()
            {
                Kubeconfig = string.IsNullOrEmpty(Kubeconfig) ? null : string.Join(
                    System.IO.Path.PathSeparator,
                    Kubeconfig.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(ResolveFileSystemPath)),
                Context = string.IsNullOrEmpty(Context) ? null : Context,
                Namespace = string.IsNullOrEmpty(Namespace) ? null : Namespace,
            };
        }
    }

    /// <summary>
    /// "context 'ci' (https://...)" for a ShouldProcess sentence. Under -WhatIf a kubeconfig that
    /// cannot be used is not an error: the sentence says that no cluster is configured, and why.
    /// </summary>
    protected string DescribeCluster(ClusterTarget target)
    {
        try
        {
            var identity = Engine.Cluster.Resolve(target);
            return $"context '{identity.Context}' ({identity.Server})";
        }
        catch (E2eException error) when (IsWhatIf)
        {
            return $"no cluster, since none is configured ({error.ErrorId}: {error.Message})";
        }
    }

    private bool IsWhatIf =>
        (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) && LanguagePrimitives.IsTrue(whatIf))
        || LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>The one rule for finding a run by name (<see cref="RunFinder"/>), from the repository the current location is inside.</summary>
    private protected RunFinder Runs => new(Engine, RepositoryRoot.Find(ResolveFileSystemPath(null)));

    /// <summary>
    /// The run to read: the exact Job of a piped run (a JobName that came with a Uid, in the run's
    /// namespace), else the newest run of the job named <paramref name="name"/>, found by <see cref="Runs"/>.
    /// Throws InvalidJobName or InvalidNamespace before any request, JobNotFound when there is no run.
    /// </summary>
    private protected E2eRun RunToRead(string name, string? jobName, string? uid)
    {
        var target = Target;
        if (!string.IsNullOrEmpty(jobName) && !string.IsNullOrEmpty(uid) && ValueRules.IsDnsLabel(jobName))
        {
            return new E2eRun
            {
                Name = RunJobNames.Parse(jobName)?.ShortName ?? name,
                JobName = jobName,
                Uid = uid,
                Namespace = target.Namespace ?? "",
            };
        }

        RunFinder.ParseName(name);
        var finder = Runs;
        var (runs, where) = Await(finder.RunsAsync(name, target, null, CancellationToken));
        if (runs.Count == 0)
        {
            throw finder.NotFound(name, where, null);
        }

        // -Uid without a Job name: that run when it is still there; else the newest run's Job read with that
        // UID, so the engine says RunReplaced (the run asked for was replaced) rather than reading another run.
        var run = string.IsNullOrEmpty(uid) ? runs[^1] : runs.FirstOrDefault(r => r.Uid == uid) ?? WithUid(runs[^1], uid);
        WriteVerbose($"{name} is run {run.RunId} ({run.Namespace}/{run.JobName}, started {run.StartTime:u}, {run.Status}), the newest of {run.Name}.");
        return run;
    }

    private static E2eRun WithUid(E2eRun run, string uid)
    {
        var copy = run.Clone();
        copy.Uid = uid;
        return copy;
    }

    /// <summary>The target of a run found by <see cref="RunToRead"/>: this command's cluster, in the run's namespace.</summary>
    private protected ClusterTarget TargetOf(E2eRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var target = Target;
        target.Namespace = string.IsNullOrEmpty(run.Namespace) ? target.Namespace : run.Namespace;
        return target;
    }

    /// <summary>The Kubernetes name of a job given by short name or by its full test-&lt;name&gt;-e2e name; InvalidJobName when it is neither.</summary>
    protected static string KubernetesJobName(string name) => ValueRules.KubernetesJobName(name);
}
