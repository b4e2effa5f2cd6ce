namespace E2ePs.Contracts;

/// <summary>The inputs of Get-E2eDiagnostic for one job.</summary>
public sealed class DiagnosticRequest
{
    /// <summary>Which cluster and namespace.</summary>
    public ClusterTarget Target { get; set; } = new();

    /// <summary>Kubernetes name of the Job.</summary>
    public string JobName { get; set; } = "";

    /// <summary>UID of the Job of a given run; a different UID in the cluster means the run was replaced.</summary>
    public string? Uid { get; set; }

    /// <summary>The ServiceAccount the pod should run under; by default the one the manifest creates, named like the Job.</summary>
    public string? ExpectedServiceAccount { get; set; }

    /// <summary>The job's manifest, whose Role says what the job needs; by default the rules of E2ePs's base manifest.</summary>
    public string? ManifestPath { get; set; }

    /// <summary>How many lines of each log to keep.</summary>
    public int TailLines { get; set; } = 20;
}
