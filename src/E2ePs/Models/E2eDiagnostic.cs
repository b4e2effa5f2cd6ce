namespace E2ePs.Models;

/// <summary>
/// What Get-E2eDiagnostic found about a job that failed or does not start: the answers to the
/// troubleshooting steps a person would run by hand with kubectl, and the first thing to fix.
/// </summary>
public sealed class E2eDiagnostic
{
    /// <summary>Short name of the job.</summary>
    public string Name { get; set; } = "";

    /// <summary>Kubernetes name of the Job.</summary>
    public string JobName { get; set; } = "";

    /// <summary>Namespace.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>Kubeconfig context.</summary>
    public string Context { get; set; } = "";

    /// <summary>UID of the Job diagnosed.</summary>
    public string? Uid { get; set; }

    /// <summary>Where the Job stands: Pending, Running, Succeeded or Failed.</summary>
    public string Status { get; set; } = "";

    /// <summary>The pod diagnosed: the newest of the Job; null when the Job has none.</summary>
    public string? PodName { get; set; }

    /// <summary>The ServiceAccount the pod runs under.</summary>
    public string? ServiceAccountName { get; set; }

    /// <summary>The ServiceAccount it should run under.</summary>
    public string? ExpectedServiceAccountName { get; set; }

    /// <summary>The first thing a person should fix, in one or two sentences; or that nothing was found.</summary>
    public string Summary { get; set; } = "";

    /// <summary>Every check and its outcome, the most serious first.</summary>
    public IReadOnlyList<E2eDiagnosticFinding> Findings { get; set; } = [];

    /// <summary>Events of the Job and its pod, oldest first.</summary>
    public IReadOnlyList<E2eDiagnosticEvent> Events { get; set; } = [];

    /// <summary>Init containers, then containers, with their states and log tails.</summary>
    public IReadOnlyList<E2eDiagnosticContainer> Containers { get; set; } = [];

    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{JobName}: {Summary}";
}
