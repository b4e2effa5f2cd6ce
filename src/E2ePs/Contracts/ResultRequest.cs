namespace E2ePs.Contracts;

/// <summary>Which run Get-E2eResult reads.</summary>
public sealed class ResultRequest
{
    /// <summary>Which cluster.</summary>
    public ClusterTarget Target { get; set; } = new();

    /// <summary>Kubernetes name of the Job.</summary>
    public string JobName { get; set; } = "";

    /// <summary>UID of the Job, from an E2eRun: the results of that run, not of a later Job of the same name.</summary>
    public string? Uid { get; set; }
}
