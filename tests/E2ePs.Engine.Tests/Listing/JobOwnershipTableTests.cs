using E2ePs.Engine.Listing;
using E2ePs.Engine.Tests.Fixtures;
using E2ePs.Engine.Waiting;
using k8s.Models;

namespace E2ePs.Engine.Tests.Listing;

/// <summary>
/// The one rule that joins a pod to its Job (<see cref="JobOwnership"/>, used by Get-E2eRun's listing and
/// Wait-E2eJob's follower), over a pod as a list returns it (Fixtures/listing.json, run-named-complete-pod:
/// the owner reference and labels the Job controller sets, pkg/controller/job/job_controller.go) and that pod
/// with parts taken away as other clusters leave them: no owner reference (orphaned with
/// --cascade=orphan: the garbage collector removes the reference, pkg/controller/garbagecollector), only the
/// legacy controller-uid label (clusters before 1.27 set no batch.kubernetes.io/ labels), an owner that is
/// not the controller.
/// </summary>
public sealed class JobOwnershipTableTests
{
    private const string RecordedUid = "7a1b2c3d-0000-4000-8000-000000000001";

    public static TheoryData<string, string?> Rows => new()
    {
        { "as-listed", RecordedUid },
        { "owner-reference-only", RecordedUid },
        { "orphaned", RecordedUid },
        { "legacy-label-only", RecordedUid },
        { "owner-not-controller-and-no-labels", null },
        { "nothing", null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Finds_the_job_of_a_pod(string shape, string? expected)
    {
        Assert.Equal(expected, JobOwnership.JobUidOf(Shaped(shape)));
    }

    [Fact]
    public void The_owner_reference_wins_over_a_label_that_disagrees()
    {
        var pod = Recorded.ListedPod("run-named-complete-pod");
        pod.Metadata.Labels[JobOwnership.ControllerUidLabel] = "00000000-0000-4000-8000-00000000dead";

        Assert.Equal(RecordedUid, JobOwnership.JobUidOf(pod));
    }

    [Fact]
    public void Events_find_their_run_by_the_uid_of_its_job_or_of_any_of_its_pods()
    {
        var index = new RunsByObjectUid();
        index.Add("job-a", "run-a");
        index.Add("pod-a-1", "run-a");
        index.Add("pod-a-2", "run-a");
        index.Add("job-b", "run-b");
        index.Add(null, "run-b");
        index.Add("", "run-b");

        Assert.Equal("run-a", index.RunOf("job-a"));
        Assert.Equal("run-a", index.RunOf("pod-a-2"));
        Assert.Equal("run-b", index.RunOf("job-b"));
        Assert.Null(index.RunOf("pod-of-another-job"));
        Assert.Null(index.RunOf(null));
        Assert.Equal(4, index.Count);
    }

    private static V1Pod Shaped(string shape)
    {
        var pod = Recorded.ListedPod("run-named-complete-pod");
        var labels = pod.Metadata.Labels;
        switch (shape)
        {
            case "as-listed":
                break;
            case "owner-reference-only":
                labels.Remove(JobOwnership.ControllerUidLabel);
                labels.Remove(JobOwnership.LegacyControllerUidLabel);
                break;
            case "orphaned":
                pod.Metadata.OwnerReferences = null;
                break;
            case "legacy-label-only":
                pod.Metadata.OwnerReferences = null;
                labels.Remove(JobOwnership.ControllerUidLabel);
                break;
            case "owner-not-controller-and-no-labels":
                pod.Metadata.OwnerReferences[0].Controller = false;
                labels.Remove(JobOwnership.ControllerUidLabel);
                labels.Remove(JobOwnership.LegacyControllerUidLabel);
                break;
            case "nothing":
                pod.Metadata.OwnerReferences = null;
                pod.Metadata.Labels = null;
                break;
        }

        return pod;
    }
}
