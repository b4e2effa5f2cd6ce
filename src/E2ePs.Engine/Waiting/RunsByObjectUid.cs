namespace E2ePs.Engine.Waiting;

/// <summary>
/// The run each Job and pod UID belongs to, as the follower learns them: the Job's UID as started and as
/// watched, each pod's as it arrives. An event names its object by UID (involvedObject.uid), so one
/// look-up joins it to its run. A UID is never reused (metadata.uid is unique in time and space), so
/// an entry stays right once made, and a deleted object's late events still reach its run. Not thread-safe:
/// the follower calls it under its lock.
/// </summary>
public sealed class RunsByObjectUid
{
    private readonly Dictionary<string, string> _runIds = new(StringComparer.Ordinal);

    /// <summary>Remembers that <paramref name="uid"/> is one of <paramref name="runId"/>'s objects; an empty UID is ignored.</summary>
    public void Add(string? uid, string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (!string.IsNullOrEmpty(uid))
        {
            _runIds[uid] = runId;
        }
    }

    /// <summary>The run whose Job or pod has <paramref name="uid"/>; null for an object of no followed run (or not seen yet).</summary>
    public string? RunOf(string? uid) =>
        uid is not null && _runIds.TryGetValue(uid, out var runId) ? runId : null;

    public int Count => _runIds.Count;
}
