namespace E2ePs.Contracts;

/// <summary>CI systems whose commands E2ePs writes.</summary>
public enum ResultCiSystem
{
    /// <summary>Detect from the environment: TF_BUILD for Azure DevOps, GITHUB_ACTIONS for GitHub Actions, else none.</summary>
    Auto,
    /// <summary>Plain output.</summary>
    None,
    /// <summary>Azure DevOps logging commands (##vso[...], ##[group]).</summary>
    AzureDevOps,
    /// <summary>GitHub Actions workflow commands (::error::, ::group::) and the step summary.</summary>
    GitHubActions,
}

/// <summary>How log lines look.</summary>
public enum ResultLogFormat
{
    /// <summary>The message, prefixed with [job] when several runs log at once, and with a timestamp when asked.</summary>
    Text,
    /// <summary>One JSON object a line: timestamp, job, pod, container, message.</summary>
    Json,
}

/// <summary>What the CI reporter needs to know.</summary>
public sealed class ResultReporterOptions
{
    /// <summary>Which CI system; Auto detects it from <see cref="Environment"/>.</summary>
    public ResultCiSystem CiSystem { get; set; } = ResultCiSystem.Auto;

    /// <summary>
    /// The environment to detect the CI system in (TF_BUILD, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY); null,
    /// the default, for the engine's process environment. Names are case-sensitive on Linux.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; set; }

    /// <summary>Text or Json log lines.</summary>
    public ResultLogFormat LogFormat { get; set; } = ResultLogFormat.Text;

    /// <summary>Prefix text log lines with the time the container wrote them.</summary>
    public bool Timestamps { get; set; }
}
