namespace E2ePs.Models;

/// <summary>
/// One test case of a run's JUnit report, as Get-E2eResult writes it. JobName and RunId say which run
/// it belongs to; the case's own Name is the test's name, not the job's.
/// </summary>
public sealed class E2eTestCase
{
    /// <summary>Name of the test case (the JUnit name attribute).</summary>
    public string Name { get; set; } = "";

    /// <summary>Class, module or describe block of the case (the JUnit classname attribute).</summary>
    public string ClassName { get; set; } = "";

    /// <summary>Name of the test suite that holds the case.</summary>
    public string Suite { get; set; } = "";

    /// <summary>Passed, Failed or Skipped.</summary>
    public E2eTestOutcome Outcome { get; set; }

    /// <summary>How long the case ran (the JUnit time attribute).</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>The failure's (or skip's) message attribute, else the first line of its text; null for a passed case.</summary>
    public string? FailureMessage { get; set; }

    /// <summary>The full text of the failure element (stack trace, assertion detail); null when there is none.</summary>
    public string? FailureDetail { get; set; }

    /// <summary>Kubernetes name of the Job that ran the case.</summary>
    public string JobName { get; set; } = "";

    /// <summary>Run id of the run that ran the case.</summary>
    public string RunId { get; set; } = "";

    /// <summary>"ClassName.Name", or Name alone when there is no class name.</summary>
    public string FullName => string.IsNullOrEmpty(ClassName) ? Name : $"{ClassName}.{Name}";

    /// <inheritdoc />
    public override string ToString() => $"{Outcome} {FullName}";
}
