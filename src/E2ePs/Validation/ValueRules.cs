using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using E2ePs.Contracts;

namespace E2ePs.Validation;

/// <summary>
/// Every rule for a value a user passes to E2ePs, in one place: job names, namespaces, branches,
/// environment variable names, CPU and memory quantities, retry counts and name patterns. The cmdlets
/// call it before they touch anything, and the engine calls the same methods on what reaches it, so a
/// value is refused with the same error id, target and advice whichever cmdlet takes it.
/// </summary>
/// <remarks>
/// It lives in the cmdlet assembly, which both sides load (the engine from its private load context
/// defers to the default one for E2ePs.dll), and uses nothing of PowerShell's or KubernetesClient's, so
/// xUnit tests it without a host.
/// </remarks>
public static partial class ValueRules
{
    /// <summary>Longest Kubernetes name a Job may have: its name is a label value on its pods.</summary>
    public const int MaxKubernetesNameLength = 63;

    /// <summary>Longest short name: test-&lt;name&gt;-e2e must fit in <see cref="MaxKubernetesNameLength"/>.</summary>
    public const int MaxShortNameLength = MaxKubernetesNameLength - Naming.JobLayout.NameAffixLength;

    /// <summary>Most retries Invoke-E2eTest -RetryCount allows.</summary>
    public const int MaxRetryCount = 20;

    /// <summary>Environment variable names E2ePs sets itself (E2EPS_TEST_PATH, E2EPS_JOB).</summary>
    public const string ReservedVariablePrefix = "E2EPS_";

    /// <summary>The Kubernetes name of a job: test-&lt;name&gt;-e2e (the rule is <see cref="Naming.JobLayout"/>'s).</summary>
    public static string KubernetesName(string name) => Naming.JobLayout.KubernetesName(name);

    /// <summary>The short name inside a Kubernetes job name, or null (the rule is <see cref="Naming.JobLayout"/>'s).</summary>
    public static string? ShortName(string kubernetesName) => Naming.JobLayout.ShortName(kubernetesName);

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label (lower-case alphanumerics and '-', at most 63).</summary>
    public static bool IsDnsLabel(string? value) => value is { Length: > 0 and <= 63 } && DnsLabelPattern().IsMatch(value);

    /// <summary>
    /// Whether <paramref name="value"/> is a non-empty label value: at most 63 alphanumerics, '-', '_' and
    /// '.', beginning and ending with an alphanumeric (apimachinery's IsValidLabelValue).
    /// </summary>
    public static bool IsLabelValue(string? value) => value is { Length: > 0 and <= 63 } && LabelValuePattern().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 subdomain (labels joined by '.', at most 253).</summary>
    public static bool IsDnsSubdomain(string? value) => value is { Length: > 0 and <= 253 } && value.Split('.').All(IsDnsLabel);

    /// <summary>Throws InvalidJobName or JobNameTooLong unless <paramref name="name"/> is a valid short job name.</summary>
    public static void JobName(string? name)
    {
        if (string.IsNullOrEmpty(name) || !DnsLabelPattern().IsMatch(name))
        {
            throw new E2eException("InvalidJobName", E2eErrorCategory.InvalidArgument, name,
                $"The job name '{name}' is not a DNS-1123 label, so no E2E job can have it.")
            {
                RecommendedAction = "Use lower-case letters, digits and '-', starting and ending with a letter or digit, for example 'vllm-agent-tools'.",
            };
        }

        var kubernetesName = KubernetesName(name);
        if (kubernetesName.Length > MaxKubernetesNameLength)
        {
            throw new E2eException("JobNameTooLong", E2eErrorCategory.InvalidArgument, name,
                $"The job name '{name}' makes the Kubernetes name '{kubernetesName}' of {kubernetesName.Length} characters; at most {MaxKubernetesNameLength} are allowed.")
            {
                RecommendedAction = $"Use a short name of at most {MaxShortNameLength} characters.",
            };
        }
    }

    /// <summary>
    /// The Kubernetes name of a job given by its short name or by its full test-&lt;name&gt;-e2e name;
    /// InvalidJobName when it is neither.
    /// </summary>
    public static string KubernetesJobName(string? name)
    {
        var shortName = name is not null && ShortName(name) is { } inner ? inner : name;
        JobName(shortName);
        return KubernetesName(shortName!);
    }

    /// <summary>Throws InvalidNamespace unless <paramref name="ns"/> is null (the default) or a DNS-1123 label.</summary>
    public static void Namespace(string? ns)
    {
        // Kubernetes names namespaces with ValidateNamespaceName = a DNS-1123 label
        // (kubernetes/kubernetes, pkg/apis/core/validation/validation.go).
        if (ns is null || IsDnsLabel(ns))
        {
            return;
        }

        throw new E2eException("InvalidNamespace", E2eErrorCategory.InvalidArgument, ns,
            $"The namespace '{ns}' is not a DNS-1123 label, so no namespace can have it.")
        {
            RecommendedAction = "Use the name of an existing namespace (lower-case letters, digits and '-'), such as 'default'.",
        };
    }

    /// <summary>Throws InvalidBranch unless <paramref name="branch"/> is null or a valid git branch name.</summary>
    public static void Branch(string? branch)
    {
        if (branch is null || GitRefPattern().IsMatch(branch))
        {
            return;
        }

        throw new E2eException("InvalidBranch", E2eErrorCategory.InvalidArgument, branch,
            $"'{branch}' is not a valid git branch name.")
        {
            RecommendedAction = "Pass -Branch with an existing branch of the repository (git check-ref-format --branch tells whether a name is valid).",
        };
    }

    /// <summary>Whether <paramref name="value"/> is a valid environment variable name for Kubernetes.</summary>
    public static bool IsEnvName(string? value) => value is not null && EnvNamePattern().IsMatch(value);

    /// <summary>Throws InvalidEnvName unless <paramref name="name"/> can be a user's environment variable of a job.</summary>
    public static void EnvName(string? name)
    {
        if (IsEnvName(name) && !name!.StartsWith(ReservedVariablePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        throw new E2eException("InvalidEnvName", E2eErrorCategory.InvalidArgument, name,
            $"'{name}' cannot be an environment variable of the job.")
        {
            RecommendedAction = $"Use letters, digits, '_', '-' and '.', not starting with a digit; names starting with {ReservedVariablePrefix} are E2ePs's own.",
        };
    }

    /// <summary>Checks every name of an -Env table with <see cref="EnvName"/>.</summary>
    public static void Env(IEnumerable<KeyValuePair<string, string>>? env)
    {
        foreach (var (name, _) in env ?? [])
        {
            EnvName(name);
        }
    }

    /// <summary>Throws InvalidRetryCount unless 0 &lt;= <paramref name="retryCount"/> &lt;= <see cref="MaxRetryCount"/>.</summary>
    public static void RetryCount(int retryCount)
    {
        if (retryCount is >= 0 and <= MaxRetryCount)
        {
            return;
        }

        throw new E2eException("InvalidRetryCount", E2eErrorCategory.InvalidArgument, retryCount,
            $"-RetryCount {retryCount} is not between 0 and {MaxRetryCount}: it is how many more times a run that failed for an infrastructure reason is started again. Nothing was started.")
        {
            RecommendedAction = $"Pass -RetryCount 0 (no retry, the default) up to {MaxRetryCount}; 1 or 2 is usual.",
        };
    }

    /// <summary>
    /// The request and limit of -Cpu or -Memory: one value for both, or two (request, then limit).
    /// Each must be a Kubernetes quantity in range, and the request may not exceed the limit, as the
    /// API server's ValidateResourceRequirements demands ("must be less than or equal to cpu limit";
    /// kubernetes/kubernetes, pkg/apis/core/validation/validation.go).
    /// </summary>
    public static (string Request, string Limit) Resources(IReadOnlyList<string>? values, string defaultRequest, string defaultLimit, string parameter)
    {
        if (values is null || values.Count == 0)
        {
            return (defaultRequest, defaultLimit);
        }

        if (values.Count > 2)
        {
            throw new E2eException("InvalidResources", E2eErrorCategory.InvalidArgument, values,
                $"-{parameter} takes one value (request and limit) or two (request, then limit).")
            {
                RecommendedAction = $"Pass -{parameter} request or -{parameter} request,limit.",
            };
        }

        var example = parameter == "Cpu" ? "500m or 2" : "512Mi or 4Gi";
        var amounts = values.Select(value => ParseQuantity(value) ?? throw new E2eException("InvalidResources", E2eErrorCategory.InvalidArgument, value,
            $"'{value}' is not a Kubernetes quantity for -{parameter}.") { RecommendedAction = $"Use values such as {example}." }).ToList();
        foreach (var (value, amount) in values.Zip(amounts))
        {
            if (amount > MaxQuantityNanos)
            {
                throw new E2eException("InvalidResources", E2eErrorCategory.InvalidArgument, value,
                    $"'{value}' for -{parameter} is above 2^63-1, the largest amount Kubernetes accounts for (its int64 value); a binary quantity such as this would be cut to 9223372036854775807 without a word, and no node has that much.")
                {
                    RecommendedAction = $"Use values such as {example}.",
                };
            }
        }

        if (amounts.Count == 2 && amounts[0] > amounts[1])
        {
            throw new E2eException("ResourceRequestAboveLimit", E2eErrorCategory.InvalidArgument, values,
                $"The -{parameter} request {values[0]} is above its limit {values[1]}; Kubernetes refuses a Job whose request is not less than or equal to its limit.")
            {
                RecommendedAction = $"Pass the request first and the limit second, for example -{parameter} {(parameter == "Cpu" ? "1,4" : "1Gi,4Gi")}.",
            };
        }

        return (values[0], values.Count == 2 ? values[1] : values[0]);
    }

    /// <summary>
    /// 2^63-1 in nano units: the largest amount a quantity's int64 Value has. ParseQuantity caps a larger
    /// binary one (Ki..Ei) there silently (kubernetes/apimachinery, pkg/api/resource/quantity.go, maxAllowed).
    /// </summary>
    public static readonly BigInteger MaxQuantityNanos = new BigInteger(long.MaxValue) * 1_000_000_000;

    /// <summary>
    /// Parses a quantity as Kubernetes does (kubernetes/apimachinery, pkg/api/resource/quantity.go,
    /// ParseQuantity): a number with an optional decimal part, then a binary suffix (Ki..Ei), a decimal
    /// one (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-2). Returns the exact value in nano
    /// units, rounded up as Kubernetes rounds (0.1n is 1n), or null when the text is not a quantity or is
    /// negative (ValidateNonnegativeQuantity refuses that for resources). No floating point, no cap.
    /// </summary>
    public static BigInteger? ParseQuantity(string? value)
    {
        var match = value is null ? null : QuantityPattern().Match(value);
        if (match is null || !match.Success || (match.Groups["int"].Length == 0 && match.Groups["frac"].Length == 0))
        {
            return null;
        }

        var digits = match.Groups["int"].Value + match.Groups["frac"].Value;
        var numerator = BigInteger.Parse(digits.Length == 0 ? "0" : digits, CultureInfo.InvariantCulture) * 1_000_000_000;
        var denominator = BigInteger.Pow(10, match.Groups["frac"].Length);
        var suffix = match.Groups["suffix"].Value;
        if (match.Groups["exp"].Success)
        {
            if (!int.TryParse(match.Groups["exp"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent) || Math.Abs(exponent) > 1000)
            {
                return null;
            }

            if (exponent >= 0)
            {
                numerator *= BigInteger.Pow(10, exponent);
            }
            else
            {
                denominator *= BigInteger.Pow(10, -exponent);
            }
        }
        else if (suffix.Length == 2)
        {
            numerator *= BigInteger.Pow(1024, "KMGTPE".IndexOf(suffix[0], StringComparison.Ordinal) + 1);
        }
        else if (suffix.Length == 1)
        {
            var power = suffix[0] switch { 'n' => -9, 'u' => -6, 'm' => -3, 'k' => 3, 'M' => 6, 'G' => 9, 'T' => 12, 'P' => 15, _ => 18 };
            if (power >= 0)
            {
                numerator *= BigInteger.Pow(10, power);
            }
            else
            {
                denominator *= BigInteger.Pow(10, -power);
            }
        }

        var nanos = BigInteger.DivRem(numerator, denominator, out var remainder);
        return remainder.IsZero ? nanos : nanos + 1;
    }

    /// <summary>Whether <paramref name="pattern"/> holds an unescaped PowerShell wildcard character (*, ?, [ or ]).</summary>
    public static bool ContainsWildcard(string? pattern)
    {
        if (pattern is null)
        {
            return false;
        }

        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '*' or '?' or '[' or ']':
                    return true;
                case '`':
                    i++;
                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// A matcher with PowerShell's wildcard semantics (about_Wildcards, WildcardPattern): '*' any run,
    /// '?' one character, '[abc]' and '[a-c]' one of a set or range, '`' escapes the next character,
    /// case-insensitive as Get-Process and Get-Service match. Throws InvalidWildcardPattern for an
    /// unclosed '['.
    /// </summary>
    public static Func<string, bool> NameMatcher(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '`' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    var set = new StringBuilder();
                    var closed = false;
                    for (i++; i < pattern.Length; i++)
                    {
                        var d = pattern[i];
                        if (d == ']')
                        {
                            closed = true;
                            break;
                        }

                        if (d == '`' && i + 1 < pattern.Length)
                        {
                            d = pattern[++i];
                        }

                        if (d == '-' && set.Length > 0 && i + 1 < pattern.Length && pattern[i + 1] != ']')
                        {
                            set.Append('-');
                            continue;
                        }

                        set.Append(d is '\\' or ']' or '[' or '^' or '-' ? "\\" + d : d.ToString());
                    }

                    if (!closed || set.Length == 0)
                    {
                        throw new E2eException("InvalidWildcardPattern", E2eErrorCategory.InvalidArgument, pattern,
                            $"The name pattern '{pattern}' is not a valid wildcard pattern: a '[' opens a set of characters that ']' must close.")
                        {
                            RecommendedAction = "Close the set, as in 'fx0[1-3]', or escape a literal bracket with a backtick (`[).",
                        };
                    }

                    regex.Append('[').Append(set).Append(']');
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        var compiled = new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Singleline);
        return compiled.IsMatch;
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValuePattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvNamePattern();

    // git check-ref-format --branch: no "..", no leading '/' or '-', no "//", no "@{", no space, ~ ^ : ? * [ \ or
    // control character, not ending in ".lock", '/' or '.'.
    [GeneratedRegex(@"^(?!-)(?!.*\.\.)(?!/)(?!.*//)(?!.*@\{)(?!@$)[^\s~^:?*\[\\\x00-\x1f\x7f]+(?<!\.lock)(?<![/.])$", RegexOptions.CultureInvariant)]
    private static partial Regex GitRefPattern();

    // The grammar of kubernetes/apimachinery pkg/api/resource/quantity.go, without a sign: a negative
    // request or limit is refused anyway (ValidateNonnegativeQuantity).
    [GeneratedRegex(@"^\+?(?<int>[0-9]*)(\.(?<frac>[0-9]*))?(?:(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE](?<exp>[-+]?[0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();
}
