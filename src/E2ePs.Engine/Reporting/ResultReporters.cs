using E2ePs.Contracts;

namespace E2ePs.Engine.Reporting;

/// <summary>
/// Picks the reporter for a CI system. Reporting lives in the engine, not beside the cmdlets: it is
/// pure text (escaping, command syntax, markdown) that xUnit tests pin down without a PowerShell
/// host, while writing the lines stays with the cmdlet, the only one allowed to write to the host.
/// </summary>
public static class ResultReporters
{
    /// <summary>The reporter for <paramref name="options"/>.</summary>
    public static IResultReporter Create(ResultReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formatter = new LogFormatter(options.LogFormat, options.Timestamps);
        return CiDetection.Detect(options.CiSystem, options.Environment) switch
        {
            ResultCiSystem.AzureDevOps => new AzureDevOpsReporter(formatter),
            ResultCiSystem.GitHubActions => new GitHubActionsReporter(formatter,
                options.Environment.TryGetValue(CiDetection.GitHubStepSummaryVariable, out var summary) ? summary : null),
            _ => new PlainReporter(formatter),
        };
    }
}
