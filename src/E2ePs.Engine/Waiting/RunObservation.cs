using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>What a namespace's watches have seen of one run so far.</summary>
internal sealed class RunObservation
{
    /// <summary>The Job has been seen at least once (it may have been deleted since).</summary>
    public bool JobSeen { get; set; }

    /// <summary>The Job as last seen; null once it was deleted.</summary>
    public V1Job? Job { get; set; }

    /// <summary>Why the Job is gone when no DELETED event said so (found missing from a list); null otherwise.</summary>
    public string? GoneBecause { get; set; }

    /// <summary>Every pod of the run by name; a deleted pod still counts, it is one of the job's attempts.</summary>
    public Dictionary<string, V1Pod> Pods { get; } = new(StringComparer.Ordinal);

    /// <summary>Since when an image pull has been failing without a break, measured for the grace period.</summary>
    public DateTimeOffset? PullFailingSince { get; set; }

    /// <summary>Since when a volume's Secret or ConfigMap has been missing, measured for its grace period.</summary>
    public DateTimeOffset? ObjectMissingSince { get; set; }

    /// <summary>The newest of <paramref name="pods"/>: the last one created, by name among equals.</summary>
    public static V1Pod? Newest(IEnumerable<V1Pod> pods) =>
        pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).LastOrDefault();
}
