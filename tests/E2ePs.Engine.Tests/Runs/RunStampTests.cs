using E2ePs.Engine.Manifests;
using E2ePs.Engine.Runs;
using k8s.Models;
using Xunit;

namespace E2ePs.Engine.Tests.Runs;

/// <summary>
/// What makes a definition's Job one run's Job. The Job is shaped as templates/job-manifest.yaml and
/// New-E2eJob make it (name test-&lt;name&gt;-e2e, the e2eps.io/job label, a clone-repo init container).
/// </summary>
public sealed class RunStampTests
{
    private static V1Job Definition(string name = "test-api-e2e", string? label = "api") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = label is null ? null : new Dictionary<string, string> { [JobLabels.E2eJob] = label } },
        Spec = new V1JobSpec
        {
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    InitContainers = [new V1Container { Name = JobLabels.CloneContainer, Env = [new V1EnvVar { Name = "GIT_BRANCH", Value = "main" }] }],
                    Containers = [new V1Container { Name = JobLabels.TestContainer }],
                },
            },
        },
    };

    [Theory]
    [InlineData("test-api-e2e", "api", "api")]
    [InlineData("test-api-e2e", null, "api")]
    [InlineData("test-api-e2e", "renamed", "renamed")]
    [InlineData("hand-written", null, "hand-written")]
    public void The_definitions_name_is_its_label_else_derived_from_the_job_name(string jobName, string? label, string expected) =>
        Assert.Equal(expected, RunStamp.DefinitionName(Definition(jobName, label)));

    [Fact]
    public void A_run_gets_a_job_name_of_its_own_and_both_labels_on_the_job_and_its_pods()
    {
        var job = Definition();

        var name = RunStamp.Apply(job, "test-api-e2e", "api", "20261205-140000-3f9a1c");

        Assert.Equal("test-api-e2e-3f9a1c", name);
        Assert.Equal(name, job.Metadata.Name);
        foreach (var labels in new[] { job.Metadata.Labels, job.Spec.Template.Metadata.Labels })
        {
            Assert.Equal("api", labels[JobLabels.E2eJob]);
            Assert.Equal("20261205-140000-3f9a1c", labels[JobLabels.RunId]);
        }
    }

    [Fact]
    public void A_pinned_commit_is_set_on_the_clone_container_once_and_recorded_as_annotations()
    {
        var job = Definition();
        var clone = job.Spec.Template.Spec.InitContainers[0];
        const string sha = "0123456789abcdef0123456789abcdef01234567";

        RunStamp.Record(job, clone, "https://git.example/org/repo.git", "main", "1111111111111111111111111111111111111111");
        RunStamp.Record(job, clone, "https://git.example/org/repo.git", "main", sha);

        Assert.Equal(sha, Assert.Single(clone.Env, e => e.Name == JobLabels.CommitVariable).Value);
        Assert.Equal(sha, job.Metadata.Annotations[JobLabels.CommitAnnotation]);
        Assert.Equal("main", job.Metadata.Annotations[JobLabels.BranchAnnotation]);
        Assert.Equal("https://git.example/org/repo.git", job.Metadata.Annotations[JobLabels.RepositoryAnnotation]);
    }

    [Fact]
    public void No_commit_leaves_no_GIT_COMMIT_and_no_commit_annotation()
    {
        var job = Definition();
        var clone = job.Spec.Template.Spec.InitContainers[0];
        clone.Env.Add(new V1EnvVar { Name = JobLabels.CommitVariable, Value = "stale" });

        RunStamp.Record(job, clone, "https://git.example/org/repo.git", "main", null);

        Assert.DoesNotContain(clone.Env, e => e.Name == JobLabels.CommitVariable);
        Assert.False(job.Metadata.Annotations.ContainsKey(JobLabels.CommitAnnotation));
    }
}
