namespace E2ePs.Models;

/// <summary>The state of one container of the diagnosed pod, with the tail of its log when it ran.</summary>
public sealed class E2eDiagnosticContainer
{
    /// <summary>Container name, such as clone-repo or test-runner.</summary>
    public string Name { get; set; } = "";

    /// <summary>Whether it is an init container.</summary>
    public bool InitContainer { get; set; }

    /// <summary>Image reference.</summary>
    public string Image { get; set; } = "";

    /// <summary>Waiting, Running, Terminated, or NotCreated when the pod has no status for it yet.</summary>
    public string State { get; set; } = "";

    /// <summary>Reason of the state: PodInitializing, ErrImagePull, Completed, Error, OOMKilled, CrashLoopBackOff, ...</summary>
    public string? Reason { get; set; }

    /// <summary>Message of the state.</summary>
    public string? Message { get; set; }

    /// <summary>Exit code, once terminated.</summary>
    public int? ExitCode { get; set; }

    /// <summary>How often it restarted.</summary>
    public int RestartCount { get; set; }

    /// <summary>The last lines of its log (init containers, and a test container that failed); empty when it never ran.</summary>
    public IReadOnlyList<string> LogTail { get; set; } = [];

    /// <inheritdoc />
    public override string ToString() => $"{Name} {State} {Reason}";
}
