using k8s.Models;

namespace E2ePs.Engine.Listing;

/// <summary>
/// Which Job a pod belongs to, one rule for everything that joins pods to runs (Get-E2eRun's listing and
/// Wait-E2eJob's follower): the pod's controller owner reference, else the labels the Job controller sets
/// on its pods (kubernetes/kubernetes pkg/controller/job/job_controller.go: batch.kubernetes.io/controller-uid,
/// and the legacy controller-uid that older clusters set alone).
/// </summary>
public static class JobOwnership
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";

    public const string LegacyControllerUidLabel = "controller-uid";

    /// <summary>The UID of the Job that owns <paramref name="pod"/>, or null when nothing says.</summary>
    public static string? JobUidOf(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var metadata = pod.Metadata;
        return metadata?.OwnerReferences?.FirstOrDefault(o => o.Kind == "Job" && o.Controller == true)?.Uid
            ?? RunMapper.Value(metadata?.Labels, ControllerUidLabel)
            ?? RunMapper.Value(metadata?.Labels, LegacyControllerUidLabel);
    }
}
