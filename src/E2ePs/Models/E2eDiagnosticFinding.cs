namespace E2ePs.Models;

/// <summary>One check of Get-E2eDiagnostic and what it found.</summary>
public sealed class E2eDiagnosticFinding
{
    /// <summary>How much it matters: Error (fix this), Warning (likely a problem), Information, Ok (checked, fine).</summary>
    public E2eDiagnosticSeverity Severity { get; set; }

    /// <summary>Which check: Job, Scheduling, Image, InitContainer, ServiceAccount, Rbac, TestContainer, Events, Access.</summary>
    public string Check { get; set; } = "";

    /// <summary>What was found, and what to do about it.</summary>
    public string Message { get; set; } = "";

    /// <summary>The object the finding is about, such as "pod/test-x-e2e-abcde" or "rolebinding/test-x-e2e".</summary>
    public string? Target { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Severity} {Check}: {Message}";
}

/// <summary>How much a finding matters, most serious last so that sorting descending puts errors first.</summary>
public enum E2eDiagnosticSeverity
{
    /// <summary>The check passed.</summary>
    Ok,
    /// <summary>Worth knowing, not a problem.</summary>
    Information,
    /// <summary>Probably a problem, or a check that could not run.</summary>
    Warning,
    /// <summary>A problem that stops the job; fix it.</summary>
    Error,
}
