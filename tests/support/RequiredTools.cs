namespace E2ePs.TestSupport;

/// <summary>
/// The one rule for a test that needs an installed tool (buildah, podman, docker-registry, busybox,
/// kubectl, skopeo, git): on a developer's machine a missing tool skips the test, saying which tool and
/// how to install it, and the closing line counts the skip; in CI (CI=true) nothing skips, so a CI
/// machine that lost a tool fails loudly instead of going green on fewer tests. The Pester twin is
/// Get-MissingToolSkip in tests/pester/TestSupport.psm1; both follow the same table.
/// </summary>
/// <remarks>
/// A requirement is a tool name, or alternatives separated by '|' ("podman|buildah": either will do).
/// A tool is found through its override variable (DOCKER_REGISTRY_BIN, BUSYBOX_BIN: upper case, '-' as
/// '_', then _BIN) or on PATH.
/// </remarks>
public static class RequiredTools
{
    /// <summary>How to install each tool on Debian (the packages .ci/run installs).</summary>
    private static readonly Dictionary<string, string> s_packages = new(StringComparer.Ordinal)
    {
        ["buildah"] = "buildah",
        ["podman"] = "podman",
        ["docker-registry"] = "docker-registry",
        ["busybox"] = "busybox-static",
        ["kubectl"] = "kubectl",
        ["skopeo"] = "skopeo",
        ["git"] = "git",
    };

    /// <summary>True when CI=true (any case) or CI=1, as GitHub Actions, GitLab and .ci/run set it.</summary>
    public static bool IsCi(string? ci) =>
        string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase) || ci == "1";

    /// <summary>The requirements that no installed tool meets, judged against the given environment.</summary>
    public static IReadOnlyList<string> Missing(IEnumerable<string> requirements, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(environment);
        return requirements
            .Where(requirement => !requirement.Split('|').Any(tool => Find(tool, environment) is not null))
            .ToList();
    }

    /// <summary>
    /// The decision: null when the test runs (every tool there, or in CI whatever is missing), else the
    /// reason it is skipped.
    /// </summary>
    public static string? SkipReason(IEnumerable<string> requirements, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var missing = Missing(requirements, environment);
        if (missing.Count == 0 || IsCi(environment("CI")))
        {
            return null;
        }

        return $"Needs {Describe(missing)}; not installed here (skipped on a developer's machine, a failure in CI).";
    }

    /// <summary>The decision for this process's environment.</summary>
    public static string? SkipReason(params string[] requirements) => SkipReason(requirements, Environment.GetEnvironmentVariable);

    /// <summary>
    /// Throws a message naming the missing tools and their packages: for fixtures, so that a test that
    /// runs in CI without its tool fails on that sentence rather than on a process that did not start.
    /// </summary>
    public static void Ensure(params string[] requirements)
    {
        var missing = Missing(requirements, Environment.GetEnvironmentVariable);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"This test needs {Describe(missing)}, which is not installed or not on PATH. " +
                (IsCi(Environment.GetEnvironmentVariable("CI")) ? "CI=true: a missing tool fails the test instead of skipping it." : ""));
        }
    }

    /// <summary>Full path of a tool: its override variable, else the first match on PATH; null when absent.</summary>
    public static string? Find(string tool, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(environment);
        var overridePath = environment(tool.ToUpperInvariant().Replace('-', '_') + "_BIN");
        if (!string.IsNullOrEmpty(overridePath) && File.Exists(overridePath))
        {
            return overridePath;
        }

        return (environment("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, tool))
            .FirstOrDefault(File.Exists);
    }

    private static string Describe(IReadOnlyList<string> missing) =>
        string.Join(" and ", missing.Select(requirement =>
        {
            var tools = requirement.Split('|');
            var packages = string.Join(" or ", tools.Select(t => s_packages.GetValueOrDefault(t, t)).Distinct());
            return $"{string.Join(" or ", tools)} (apt-get install {packages})";
        }));
}

/// <summary>A fact that needs installed tools: see <see cref="RequiredTools"/> for when it skips.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresToolsFactAttribute : FactAttribute
{
    public RequiresToolsFactAttribute(params string[] requirements)
    {
        Requirements = requirements;
        var reason = RequiredTools.SkipReason(requirements);
        if (reason is not null)
        {
            Skip = reason;
        }
    }

    public IReadOnlyList<string> Requirements { get; }
}

/// <summary>A theory that needs installed tools: see <see cref="RequiredTools"/> for when it skips.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresToolsTheoryAttribute : TheoryAttribute
{
    public RequiresToolsTheoryAttribute(params string[] requirements)
    {
        Requirements = requirements;
        var reason = RequiredTools.SkipReason(requirements);
        if (reason is not null)
        {
            Skip = reason;
        }
    }

    public IReadOnlyList<string> Requirements { get; }
}
