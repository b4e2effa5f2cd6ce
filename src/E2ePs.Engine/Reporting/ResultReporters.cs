using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Reporting;

/// <summary>
/// Picks the reporter for a CI system. Reporting lives in the engine, not beside the cmdlets: it is
/// pure text (escaping, command syntax, markdown) that xUnit tests pin down without a PowerShell
/// host, while writing the lines stays with the cmdlet, the only one allowed to write to the host.
/// The CI system is read from <paramref name="environment"/> unless the options bring an environment of their own.
/// </summary>
public sealed class ResultReporters(IProcessEnvironment environment)
{
    /// <summary>The reporter for <paramref name="options"/>.</summary>
    public IResultReporter Create(ResultReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formatter = new LogFormatter(options.LogFormat, options.Timestamps);
        var seen = options.Environment is null ? environment : new DictionaryProcessEnvironment(options.Environment);
        return CiDetection.Detect(options.CiSystem, seen) switch
        {
            ResultCiSystem.AzureDevOps => new AzureDevOpsReporter(formatter, CiDetection.AzureDevOpsReportFolder(seen)),
            ResultCiSystem.GitHubActions => new GitHubActionsReporter(formatter, CiDetection.GitHubStepSummary(seen)),
            _ => new PlainReporter(formatter),
        };
    }
}
