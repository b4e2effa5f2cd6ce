namespace E2ePs.Engine.Reporting;

/// <summary>
/// Escaping for the values of CI logging commands, as the CI systems' own toolkits do it, and the
/// neutralizing of pod output that only looks like a command: a test that prints
/// "##vso[task.complete result=Succeeded]" must not decide the pipeline's result.
/// </summary>
public static class CommandEscaping
{
    // U+200B is no whitespace to .NET or to the runners, so a line that had it inserted no longer starts a command.
    private const string Breaker = "\u200B";

    /// <summary>The message of an Azure DevOps command (after the closing bracket): %, CR and LF (azure-pipelines-task-lib's escapedata).</summary>
    public static string AzureData(string value) =>
        (value ?? "").Replace("%", "%AZP25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>A property value of an Azure DevOps command: also ; and ] (the task-lib's escape).</summary>
    public static string AzureProperty(string value) =>
        AzureData(value).Replace("]", "%5D", StringComparison.Ordinal).Replace(";", "%3B", StringComparison.Ordinal);

    /// <summary>The message of a GitHub Actions workflow command: %, CR and LF (@actions/core's escapeData).</summary>
    public static string GitHubData(string value) =>
        (value ?? "").Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>A property value of a GitHub Actions workflow command: also : and , (@actions/core's escapeProperty).</summary>
    public static string GitHubProperty(string value) =>
        GitHubData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    /// <summary>A title on one line (group names): line breaks become spaces.</summary>
    public static string OneLine(string value) =>
        (value ?? "").Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>Pod output made harmless for the Azure DevOps agent, which acts on ##vso[ anywhere in a line and on ##[ at its start.</summary>
    public static string NeutralizeAzure(string line) =>
        (line ?? "").Replace("##vso[", "##" + Breaker + "vso[", StringComparison.OrdinalIgnoreCase).Replace("##[", "#" + Breaker + "#[", StringComparison.Ordinal);

    /// <summary>Pod output made harmless for the GitHub Actions runner, which acts on lines that start with :: (or the legacy ##[).</summary>
    public static string NeutralizeGitHub(string line)
    {
        line ??= "";
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith("::", StringComparison.Ordinal) || trimmed.StartsWith("##[", StringComparison.Ordinal))
        {
            return Breaker + line;
        }

        return line;
    }
}
