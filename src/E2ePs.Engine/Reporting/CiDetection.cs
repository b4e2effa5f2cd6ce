using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Reporting;

/// <summary>
/// Which CI system runs us, from the variables each one sets on every job. The only place the engine
/// reads a CI system's variables, always through <see cref="IProcessEnvironment"/>.
/// </summary>
public static class CiDetection
{
    /// <summary>Azure Pipelines sets TF_BUILD=True on every agent job.</summary>
    public const string AzureDevOpsVariable = "TF_BUILD";

    /// <summary>GitHub Actions sets GITHUB_ACTIONS=true on every step.</summary>
    public const string GitHubActionsVariable = "GITHUB_ACTIONS";

    /// <summary>The file a GitHub Actions step appends its markdown summary to.</summary>
    public const string GitHubStepSummaryVariable = "GITHUB_STEP_SUMMARY";

    /// <summary>The system <paramref name="requested"/> names, or, for Auto, the one the environment reveals.</summary>
    public static ResultCiSystem Detect(ResultCiSystem requested, IProcessEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (requested != ResultCiSystem.Auto)
        {
            return requested;
        }

        if (IsSet(environment, AzureDevOpsVariable))
        {
            return ResultCiSystem.AzureDevOps;
        }

        return IsSet(environment, GitHubActionsVariable) ? ResultCiSystem.GitHubActions : ResultCiSystem.None;
    }

    /// <summary>Azure Pipelines' folder for test results, cleaned up by the agent (predefined variable Common.TestResultsDirectory).</summary>
    public const string AzureDevOpsTestResultsVariable = "COMMON_TESTRESULTSDIRECTORY";

    /// <summary>Azure Pipelines' temporary folder, cleaned after every job (predefined variable Agent.TempDirectory).</summary>
    public const string AzureDevOpsTempVariable = "AGENT_TEMPDIRECTORY";

    /// <summary>
    /// Where JUnit files go on Azure DevOps when the user names no folder: an e2eps folder in the agent's
    /// test results folder, else in its temporary folder, else in the system's.
    /// </summary>
    public static string AzureDevOpsReportFolder(IProcessEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var folder = environment.Variable(AzureDevOpsTestResultsVariable) ?? environment.Variable(AzureDevOpsTempVariable) ?? Path.GetTempPath();
        return Path.Combine(folder, "e2eps");
    }

    /// <summary>The step summary file of GitHub Actions, or null outside it.</summary>
    public static string? GitHubStepSummary(IProcessEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.Variable(GitHubStepSummaryVariable);
    }

    private static bool IsSet(IProcessEnvironment environment, string name) =>
        environment.Variable(name) is { } value && !string.IsNullOrWhiteSpace(value)
        && !string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase) && value.Trim() != "0";
}
