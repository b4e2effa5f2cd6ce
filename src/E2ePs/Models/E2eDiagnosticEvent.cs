namespace E2ePs.Models;

/// <summary>A Kubernetes event about the Job or its pod, as "kubectl describe" lists it.</summary>
public sealed class E2eDiagnosticEvent
{
    /// <summary>When it first happened.</summary>
    public DateTimeOffset? FirstTime { get; set; }

    /// <summary>When it last happened.</summary>
    public DateTimeOffset? LastTime { get; set; }

    /// <summary>Normal or Warning.</summary>
    public string Type { get; set; } = "";

    /// <summary>Reason, such as Pulling, Failed, BackOff, FailedScheduling.</summary>
    public string Reason { get; set; } = "";

    /// <summary>The object, such as "Pod/test-x-e2e-abcde" or "Job/test-x-e2e".</summary>
    public string InvolvedObject { get; set; } = "";

    /// <summary>The part of the object, such as "spec.initContainers{clone-repo}".</summary>
    public string? FieldPath { get; set; }

    /// <summary>How often it happened.</summary>
    public int Count { get; set; } = 1;

    /// <summary>The message.</summary>
    public string Message { get; set; } = "";

    /// <inheritdoc />
    public override string ToString() => $"{Type} {Reason} {InvolvedObject}: {Message}";
}
