using E2ePs.Contracts;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Results;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using E2ePs.Naming;
using k8s.Models;

namespace E2ePs.Engine.Listing;

/// <summary>
/// Turns a listed Job and its pods into the E2eRun that Get-E2eRun shows. Pure: the same objects and
/// <c>now</c> always give the same run, so it is tested with tables of objects shaped as the API returns
/// them (tests/E2ePs.Engine.Tests/Listing). The status is <see cref="RunEvaluator"/>'s, the verdict
/// Wait-E2eJob gives, so a listed run never says something else than a wait on it would.
/// </summary>
public static class RunMapper
{
    /// <summary>The run of <paramref name="job"/>, whose pods are <paramref name="pods"/>, on the cluster <paramref name="identity"/>.</summary>
    public static E2eRun Map(V1Job job, IReadOnlyCollection<V1Pod> pods, ClusterIdentity identity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(identity);
        var metadata = job.Metadata;
        var labels = metadata.Labels ?? new Dictionary<string, string>();
        var annotations = metadata.Annotations ?? new Dictionary<string, string>();
        var verdict = RunEvaluator.Evaluate(job, pods, [], now);
        var ended = verdict.Status is E2eRunStatus.Succeeded or E2eRunStatus.Failed;
        var clone = job.Spec?.Template?.Spec?.InitContainers?.FirstOrDefault(c => c.Name == JobLabels.CloneContainer);
        var run = new E2eRun
        {
            Name = DefinitionName(metadata.Name, labels),
            JobName = metadata.Name,
            Namespace = metadata.NamespaceProperty ?? "",
            Context = identity.Context,
            Server = identity.Server,
            Kubeconfig = identity.Kubeconfig,
            RunId = RunIdOf(metadata),
            Uid = metadata.Uid ?? "",
            Image = TestImage(job) ?? "",
            // The annotations Start-E2eJob writes; a Job applied from the manifest by hand has only the clone's environment.
            Repository = Value(annotations, JobLabels.RepositoryAnnotation) ?? EnvOf(clone, "GIT_REPOSITORY"),
            Branch = Value(annotations, JobLabels.BranchAnnotation) ?? EnvOf(clone, "GIT_BRANCH"),
            Commit = Value(annotations, JobLabels.CommitAnnotation) ?? EnvOf(clone, JobLabels.CommitVariable),
            Status = verdict.Status,
            Reason = verdict.Reason,
            Message = verdict.Message,
            ExitCode = verdict.ExitCode,
            PodNames = verdict.PodNames,
            StartTime = Time(metadata.CreationTimestamp),
            CompletionTime = ended ? verdict.CompletionTime : null,
        };
        if (ended)
        {
            // The same classification Wait-E2eJob gives a run that ended.
            run.FailureKind = FailureClassifier.Classify(run, RunObservation.Newest(pods), null);
        }

        return run;
    }

    /// <summary>
    /// The run id: the e2eps.io/run-id label, else (a Job applied from the manifest with kubectl) one made
    /// from its UID, <see cref="RunIds.FromUid"/>.
    /// </summary>
    public static string RunIdOf(V1ObjectMeta metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Value(metadata.Labels, JobLabels.RunId) is { Length: > 0 } id ? id : RunIds.FromUid(metadata.Uid ?? metadata.Name);
    }

    /// <summary>
    /// The definition's short name: the e2eps.io/job label (never cut, unlike a long run-named Job's name),
    /// else the one inside the fixed or run-named Job name, else the Job's name itself.
    /// </summary>
    private static string DefinitionName(string name, IDictionary<string, string> labels)
    {
        if (labels.TryGetValue(JobLabels.E2eJob, out var label) && !string.IsNullOrEmpty(label))
        {
            // Manifests of some versions labelled with the Kubernetes name (test-x-e2e): the short name is inside.
            return JobLayout.ShortName(label) ?? label;
        }

        return RunJobNames.Parse(name)?.ShortName ?? name;
    }

    private static string? TestImage(V1Job job)
    {
        var containers = job.Spec?.Template?.Spec?.Containers;
        return (containers?.FirstOrDefault(c => c.Name == JobLabels.TestContainer) ?? containers?.FirstOrDefault())?.Image;
    }

    private static string? EnvOf(V1Container? container, string name) =>
        container?.Env?.FirstOrDefault(e => e.Name == name)?.Value is { Length: > 0 } value ? value : null;

    /// <summary>A label's or annotation's value; null when absent.</summary>
    internal static string? Value(IDictionary<string, string>? values, string key) =>
        values is not null && values.TryGetValue(key, out var value) ? value : null;

    private static DateTimeOffset? Time(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
