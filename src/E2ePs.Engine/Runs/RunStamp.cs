using E2ePs.Engine.Manifests;
using E2ePs.Validation;
using k8s.Models;

namespace E2ePs.Engine.Runs;

/// <summary>
/// Makes a definition's Job into one run's Job: its own name (test-&lt;name&gt;-e2e-&lt;run suffix&gt;), the labels
/// that say which definition and which run it is (on the Job and its pod template, so pods are found by
/// them too), and what the run checks out: GIT_COMMIT on the clone container and the repository, branch
/// and commit as annotations on the Job. Pure: it changes the typed Job it is given and nothing else.
/// </summary>
public static class RunStamp
{
    /// <summary>The definition's short name: the manifest's e2eps.io/job label, else derived from the Job's name.</summary>
    public static string DefinitionName(V1Job definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var name = definition.Metadata.Name;
        return definition.Metadata.Labels is { } labels && labels.TryGetValue(JobLabels.E2eJob, out var label) && label.Length > 0
            ? label
            : JobNames.ShortName(name) ?? name;
    }

    /// <summary>Names and labels the Job for one run; returns the run's Job name.</summary>
    public static string Apply(V1Job job, string definitionJobName, string definitionName, string runId)
    {
        ArgumentNullException.ThrowIfNull(job);
        var runJobName = E2ePs.Naming.JobLayout.RunJobName(definitionJobName, runId);
        job.Metadata.Name = runJobName;
        job.Metadata.Labels ??= new Dictionary<string, string>();
        job.Metadata.Labels[JobLabels.E2eJob] = definitionName;
        job.Metadata.Labels[JobLabels.RunId] = runId;
        job.Spec.Template.Metadata ??= new V1ObjectMeta();
        job.Spec.Template.Metadata.Labels ??= new Dictionary<string, string>();
        job.Spec.Template.Metadata.Labels[JobLabels.E2eJob] = definitionName;
        job.Spec.Template.Metadata.Labels[JobLabels.RunId] = runId;
        return runJobName;
    }

    /// <summary>
    /// Records what the run checks out: the annotations e2eps.io/repository, e2eps.io/branch and
    /// e2eps.io/commit on the Job, and GIT_COMMIT on the clone container when a commit is pinned (the
    /// clone script checks it out exactly, whatever the branch points to when the pod starts).
    /// </summary>
    public static void Record(V1Job job, V1Container? clone, string? repository, string? branch, string? commit)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Metadata.Annotations ??= new Dictionary<string, string>();
        SetOrRemove(job.Metadata.Annotations, JobLabels.RepositoryAnnotation, repository);
        SetOrRemove(job.Metadata.Annotations, JobLabels.BranchAnnotation, branch);
        SetOrRemove(job.Metadata.Annotations, JobLabels.CommitAnnotation, commit);
        if (clone is null)
        {
            return;
        }

        clone.Env ??= [];
        foreach (var stale in clone.Env.Where(e => e.Name == JobLabels.CommitVariable).ToList())
        {
            clone.Env.Remove(stale);
        }

        if (!string.IsNullOrEmpty(commit))
        {
            clone.Env.Add(new V1EnvVar { Name = JobLabels.CommitVariable, Value = commit });
        }
    }

    private static void SetOrRemove(IDictionary<string, string> annotations, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            annotations.Remove(key);
        }
        else
        {
            annotations[key] = value;
        }
    }
}
