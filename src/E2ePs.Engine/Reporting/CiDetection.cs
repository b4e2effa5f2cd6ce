using E2ePs.Contracts;

namespace E2ePs.Engine.Reporting;

/// <summary>Which CI system runs us, from the variables each one sets on every job.</summary>
public static class CiDetection
{
    /// <summary>Azure Pipelines sets TF_BUILD=True on every agent job.</summary>
    public const string AzureDevOpsVariable = "TF_BUILD";

    /// <summary>GitHub Actions sets GITHUB_ACTIONS=true on every step.</summary>
    public const string GitHubActionsVariable = "GITHUB_ACTIONS";

    /// <summary>The file a GitHub Actions step appends its markdown summary to.</summary>
    public const string GitHubStepSummaryVariable = "GITHUB_STEP_SUMMARY";

    /// <summary>The system <paramref name="requested"/> names, or, for Auto, the one the environment reveals.</summary>
    public static ResultCiSystem Detect(ResultCiSystem requested, IReadOnlyDictionary<string, string?> environment)
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

    private static bool IsSet(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
        && !string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase) && value.Trim() != "0";
}
