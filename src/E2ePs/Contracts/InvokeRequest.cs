namespace E2ePs.Contracts;

/// <summary>One job for Invoke-E2eTest: what to start, and where.</summary>
public sealed class InvokeRequest
{
    /// <summary>The start request (target, manifest, job, image, branch, environment); the image is replaced by the one built with -Build.</summary>
    public StartJobRequest Start { get; set; } = new();

    /// <summary>A name for messages before the run exists: the job's Kubernetes name.</summary>
    public string JobName { get; set; } = "";
}

/// <summary>How Invoke-E2eTest runs its jobs.</summary>
public sealed class InvokeOptions
{
    /// <summary>Build each job's image first (IImageBuilder, the same as Build-E2eImage) and run the image built.</summary>
    public bool Build { get; set; }

    /// <summary>Push the built image and run it by digest.</summary>
    public bool Push { get; set; }

    /// <summary>Extra tries for a run that failed for an infrastructure reason (0 to 20).</summary>
    public int RetryCount { get; set; }

    /// <summary>Also retry runs whose test failed on its own.</summary>
    public bool RetryTestFailures { get; set; }

    /// <summary>Pause before a retry, so a registry or a node has time to come back.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take; null waits until it ends.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>How long an image pull may fail before the attempt counts as failed.</summary>
    public TimeSpan PullGracePeriod { get; set; } = TimeSpan.Zero;

    /// <summary>How long an Unschedulable pod may wait for a node autoscaler to decide (see <see cref="WaitOptions.ScheduleGracePeriod"/>).</summary>
    public TimeSpan ScheduleGracePeriod { get; set; } = WaitOptions.DefaultScheduleGracePeriod;

    /// <summary>How many jobs run at the same time.</summary>
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Follow each run's log and send its lines as <see cref="InvokeUpdate.Log"/> updates.</summary>
    public bool FollowLogs { get; set; }

    /// <summary>Folder to save each run's JUnit report in, as TEST-&lt;job name&gt;.xml; null saves nothing.</summary>
    public string? ResultPath { get; set; }
}
