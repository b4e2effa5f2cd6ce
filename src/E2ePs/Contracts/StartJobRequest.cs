using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>The inputs of Start-E2eJob for one job.</summary>
public sealed class StartJobRequest
{
    /// <summary>Which cluster.</summary>
    public ClusterTarget Target { get; set; } = new();

    /// <summary>The manifest to apply.</summary>
    public string ManifestPath { get; set; } = "";

    /// <summary>The job definition, when it came from the pipeline.</summary>
    public E2eJob? Job { get; set; }

    /// <summary>Image to run instead of the manifest's.</summary>
    public string? Image { get; set; }

    /// <summary>Branch to clone instead of the manifest's.</summary>
    public string? Branch { get; set; }

    /// <summary>Environment variables to add to or override in the test container, in the order they are set.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; set; } = [];

    /// <summary>
    /// The commit to check out (a sha, short sha or ref of the job's repository); null: the local HEAD
    /// when the remote has it, or the remote tip of <see cref="Branch"/> when that is given.
    /// </summary>
    public string? Commit { get; set; }

    /// <summary>
    /// Gets what the caller may want to see with -Verbose (which commit was pinned, or why none); called
    /// from the engine's threads, so the cmdlet queues the lines and writes them on the pipeline thread.
    /// </summary>
    public Action<string>? Verbose { get; set; }

    /// <summary>
    /// Gets the API server's warnings about the start (Warning headers of the dry run and the create, such as Pod Security's
    /// "would violate PodSecurity ..."), each once; called from the engine's threads, like <see cref="Verbose"/>.
    /// </summary>
    public Action<string>? Warning { get; set; }
}

/// <summary>How Wait-E2eJob waits.</summary>
public sealed class WaitOptions
{
    /// <summary>How long to wait in all; null waits until every run has ended.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>How long an image pull may fail before the run is reported failed.</summary>
    public TimeSpan PullGracePeriod { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long an Unschedulable pod may wait for a node autoscaler to decide to add a node (120 s by default: Cluster
    /// Autoscaler promises a decision within 30 to 60 s); zero fails at once. Where no autoscaler exists the run fails at once.
    /// </summary>
    public TimeSpan ScheduleGracePeriod { get; set; } = DefaultScheduleGracePeriod;

    /// <summary>How long after an autoscaler triggered a scale-up its node may take to take the pod (Cluster Autoscaler's --max-node-provision-time).</summary>
    public TimeSpan ScaleUpTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a volume's missing Secret or ConfigMap is given to appear before the run fails (the kubelet retries the mount).</summary>
    public TimeSpan MissingObjectGracePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The default of <see cref="ScheduleGracePeriod"/> and of the cmdlets' -ScheduleGracePeriod.</summary>
    public static readonly TimeSpan DefaultScheduleGracePeriod = TimeSpan.FromSeconds(120);
}

/// <summary>What Wait-E2eJob learns: progress counts, or a run that has ended.</summary>
public sealed class WaitUpdate
{
    /// <summary>A run that has ended, or null for a progress update.</summary>
    public E2eRun? Finished { get; init; }

    /// <summary>Runs with no running pod yet.</summary>
    public int Pending { get; init; }

    /// <summary>Runs with a running pod.</summary>
    public int Running { get; init; }

    /// <summary>Runs that succeeded.</summary>
    public int Succeeded { get; init; }

    /// <summary>Runs that failed, timed out or were cancelled.</summary>
    public int Failed { get; init; }

    /// <summary>What changed, for -Verbose ("e2e/test-api-e2e: Pending -> Running, 1 pod"); null for a tick of the clock.</summary>
    public string? Change { get; init; }
}

/// <summary>What Get-E2eLog reads.</summary>
public sealed class LogRequest
{
    /// <summary>Which cluster.</summary>
    public ClusterTarget Target { get; set; } = new();

    /// <summary>Kubernetes name of the Job.</summary>
    public string JobName { get; set; } = "";

    /// <summary>UID of the Job, to skip pods of an earlier run of the same name.</summary>
    public string? Uid { get; set; }

    /// <summary>Follow the log until the test container ends.</summary>
    public bool Follow { get; set; }

    /// <summary>Only this container (init or test).</summary>
    public string? Container { get; set; }

    /// <summary>Only the last lines of each container.</summary>
    public int? Tail { get; set; }

    /// <summary>Only lines newer than this.</summary>
    public TimeSpan? Since { get; set; }

    /// <summary>
    /// Read the log responses with blocking calls on the thread that enumerates the lines, for a caller that
    /// would block that thread anyway (Get-E2eLog's pipeline thread): no trip through the thread pool for
    /// every read. Leave it off where reads run concurrently on the thread pool.
    /// </summary>
    public bool ReadOnCallingThread { get; set; }
}
