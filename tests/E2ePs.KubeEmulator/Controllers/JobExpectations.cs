namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// The job controller's pod expectations, as upstream keeps them: by the Job's namespace/name, not its
/// uid (kubernetes/kubernetes pkg/controller/controller_utils.go, ControllerExpectations, and
/// pkg/controller/job/job_controller.go). Before creating or deleting pods the controller expects to see
/// them; it lowers the count when its informer shows a pod whose controller reference resolves to the Job
/// of that name with the same uid; and it creates or deletes no pods while a count is above zero, unless the
/// record is older than <see cref="Timeout"/> (upstream ExpectationsTimeout, 5 minutes). The record is dropped
/// when a sync finds no Job of that name. So a Job re-created under the name of one just deleted, while that
/// one's expectations were unsatisfied, inherits them and gets no pods until they expire
/// (kubernetes/kubernetes#131917, #142142). Runs on the simulation thread only.
/// </summary>
internal sealed class JobExpectations(TimeSpan timeout)
{
    private sealed class Record
    {
        public long Add { get; set; }

        public long Delete { get; set; }

        public DateTimeOffset Timestamp { get; set; }
    }

    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);

    /// <summary>How long an unsatisfied record blocks its key (upstream ExpectationsTimeout).</summary>
    public TimeSpan Timeout { get; } = timeout;

    public static string Key(string ns, string name) => ns + "/" + name;

    /// <summary>SetExpectations: replaces the record, as ExpectCreations and ExpectDeletions do upstream.</summary>
    public void ExpectCreations(string key, int count) => _records[key] = new Record { Add = count, Timestamp = DateTimeOffset.UtcNow };

    public void ExpectDeletions(string key, int count) => _records[key] = new Record { Delete = count, Timestamp = DateTimeOffset.UtcNow };

    public void CreationObserved(string key)
    {
        if (_records.TryGetValue(key, out var record))
        {
            record.Add--;
        }
    }

    public void DeletionObserved(string key)
    {
        if (_records.TryGetValue(key, out var record))
        {
            record.Delete--;
        }
    }

    /// <summary>DeleteExpectations: what syncJob does when the Job of the key is gone.</summary>
    public void Forget(string key) => _records.Remove(key);

    /// <summary>SatisfiedExpectations: no record, a fulfilled one, or an expired one.</summary>
    public bool Satisfied(string key, DateTimeOffset now) =>
        !_records.TryGetValue(key, out var record) || (record.Add <= 0 && record.Delete <= 0) || now - record.Timestamp > Timeout;

    /// <summary>When the record of an unsatisfied key expires.</summary>
    public DateTimeOffset ExpiresAt(string key) =>
        _records.TryGetValue(key, out var record) ? record.Timestamp + Timeout : DateTimeOffset.UtcNow;
}
