using System.Text.RegularExpressions;

namespace E2ePs.Naming;

/// <summary>
/// What a name a user gives for a run says: a definition's short name (api), its fixed Kubernetes name
/// (test-api-e2e, as the manifest and kubectl name it) or one run's Job name (test-api-e2e-3f9a1c, as
/// <see cref="JobLayout.RunJobName"/> makes it). All three are accepted wherever a run is found by name.
/// </summary>
public static partial class RunJobNames
{
    /// <summary>
    /// The definition a name stands for, and the Job name when it names one run's Job; null for a name
    /// that is none of the three (the caller validates it as a short name and says InvalidJobName).
    /// </summary>
    public static (string ShortName, string? RunJobName)? Parse(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (JobLayout.ShortName(name) is { } fromFixed)
        {
            return (fromFixed, null);
        }

        var match = RunJobNamePattern().Match(name);
        return match.Success && name.Length <= JobLayout.MaxJobNameLength ? (match.Groups["name"].Value, name) : null;
    }

    /// <summary>Whether <paramref name="name"/> has the shape of one run's Job name: test-&lt;name&gt;-e2e-&lt;6 hex&gt;.</summary>
    public static bool IsRunJobName(string? name) => name is not null && RunJobNamePattern().IsMatch(name);

    // The definition's part may have been cut to fit 63 characters (JobLayout.RunJobName), so a run's
    // definition is read from its e2eps.io/job label; this shape only recognises a run-named Job.
    [GeneratedRegex("^test-(?<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)-e2e-[0-9a-f]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex RunJobNamePattern();
}
