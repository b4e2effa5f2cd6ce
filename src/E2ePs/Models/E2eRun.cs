namespace E2ePs.Models;

/// <summary>
/// One run of a job in the cluster: what Start-E2eJob returns at once, and what Wait-E2eJob returns
/// when the run has ended. Name, Namespace, Context and Kubeconfig bind by property name to the next
/// cmdlet of the pipeline, so it talks to the same cluster.
/// </summary>
public sealed class E2eRun
{
    /// <summary>Short name of the job.</summary>
    public string Name { get; set; } = "";

    /// <summary>Kubernetes name of the Job.</summary>
    public string JobName { get; set; } = "";

    /// <summary>Namespace of the Job.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>Kubeconfig context the run was started through.</summary>
    public string Context { get; set; } = "";

    /// <summary>Kubeconfig file(s) the context came from; null for the default resolution.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>API server URL.</summary>
    public string Server { get; set; } = "";

    /// <summary>Run id, the value of the e2eps.io/run-id label on the Job and its pods.</summary>
    public string RunId { get; set; } = "";

    /// <summary>UID of the Job object.</summary>
    public string Uid { get; set; } = "";

    /// <summary>Image of the test container.</summary>
    public string Image { get; set; } = "";

    /// <summary>The git repository the run's init container cloned (the manifest's GIT_REPOSITORY), when it has one.</summary>
    public string? Repository { get; set; }

    /// <summary>The branch the run cloned.</summary>
    public string? Branch { get; set; }

    /// <summary>The exact commit the run checked out (resolved by Start-E2eJob), when known.</summary>
    public string? Commit { get; set; }

    /// <summary>Where the run stands.</summary>
    public E2eRunStatus Status { get; set; } = E2eRunStatus.Pending;

    /// <summary>Machine-readable reason of a run that did not succeed: BackoffLimitExceeded, ImagePullBackOff, OOMKilled, ...</summary>
    public string? Reason { get; set; }

    /// <summary>What happened, in words.</summary>
    public string? Message { get; set; }

    /// <summary>Exit code of the test container of the last pod, once it terminated.</summary>
    public int? ExitCode { get; set; }

    /// <summary>Names of the Job's pods, oldest first: a job that retried has several.</summary>
    public IReadOnlyList<string> PodNames { get; set; } = [];

    /// <summary>When the Job was created.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the run ended.</summary>
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>From start to end, once ended.</summary>
    public TimeSpan? Duration => StartTime is { } start && CompletionTime is { } end ? end - start : null;

    /// <summary>The job definition the run was started from, when known.</summary>
    public E2eJob? Job { get; set; }

    /// <summary>The run's test results, read from the JUnit report in its log (Invoke-E2eTest); null when the test container never ran.</summary>
    public E2eTestResult? TestResult { get; set; }

    /// <summary>Which attempt this run is: 1, or more when Invoke-E2eTest -RetryCount started the job again.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Why a run that ended did not succeed, as Invoke-E2eTest decides whether to retry it; None for a success.</summary>
    public E2eFailureKind FailureKind { get; set; }

    /// <summary>Whether the run has ended (Succeeded, Failed, TimedOut or Cancelled).</summary>
    public bool IsFinished => Status is E2eRunStatus.Succeeded or E2eRunStatus.Failed or E2eRunStatus.TimedOut or E2eRunStatus.Cancelled;

    /// <summary>A copy, so a waiter can update its own object without changing the one the caller holds.</summary>
    public E2eRun Clone() => (E2eRun)MemberwiseClone();

    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{JobName} {Status}";
}

/// <summary>Where a run stands.</summary>
public enum E2eRunStatus
{
    /// <summary>Created; no pod runs yet.</summary>
    Pending,
    /// <summary>A pod runs.</summary>
    Running,
    /// <summary>The Job completed.</summary>
    Succeeded,
    /// <summary>The Job failed, or cannot succeed (image pull, scheduling, init container).</summary>
    Failed,
    /// <summary>Wait-E2eJob's -Timeout ended the wait first.</summary>
    TimedOut,
    /// <summary>The wait was cancelled (Ctrl+C).</summary>
    Cancelled,
}

/// <summary>Why a run did not succeed, as far as retrying it is concerned.</summary>
public enum E2eFailureKind
{
    /// <summary>The run succeeded, or has not ended.</summary>
    None,
    /// <summary>The test never ran or its pod was taken away: image pull, scheduling, clone, eviction, node loss. Retried by -RetryCount.</summary>
    Infrastructure,
    /// <summary>The test ran and failed on its own: a non-zero exit, failed cases, its deadline or memory limit. Retried only with -RetryOn TestFailure.</summary>
    TestFailure,
    /// <summary>The job's definition cannot run: an invalid image name, a missing Secret or ConfigMap. Never retried.</summary>
    Configuration,
    /// <summary>The wait's -Timeout ended first; the Job goes on in the cluster. Never retried.</summary>
    TimedOut,
    /// <summary>The wait was cancelled or the Job deleted. Never retried.</summary>
    Cancelled,
}
