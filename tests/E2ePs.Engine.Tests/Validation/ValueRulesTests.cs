using System.Numerics;
using E2ePs.Contracts;
using E2ePs.Validation;

namespace E2ePs.Engine.Tests.Validation;

/// <summary>The rules every cmdlet applies to the values it takes, table by table.</summary>
public sealed class ValueRulesTests
{
    private static E2eException Refused(Action action)
    {
        var error = Assert.Throws<E2eException>(action);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
        return error;
    }

    [Theory]
    [InlineData("api", "test-api-e2e")]
    [InlineData("test-api-e2e", "test-api-e2e")]
    [InlineData("a-1", "test-a-1-e2e")]
    public void A_short_or_full_job_name_gives_the_kubernetes_name(string name, string expected) =>
        Assert.Equal(expected, ValueRules.KubernetesJobName(name));

    [Theory]
    [InlineData("UPPER")]
    [InlineData("bad_name")]
    [InlineData("-api")]
    [InlineData("api-")]
    [InlineData("")]
    [InlineData("a.b")]
    public void A_name_no_job_can_have_is_InvalidJobName(string name)
    {
        var error = Refused(() => ValueRules.KubernetesJobName(name));
        Assert.Equal("InvalidJobName", error.ErrorId);
        Assert.Equal(name, error.Target);
    }

    [Fact]
    public void A_name_too_long_for_a_label_value_is_JobNameTooLong() =>
        Assert.Equal("JobNameTooLong", Refused(() => ValueRules.JobName(new string('a', ValueRules.MaxShortNameLength + 1))).ErrorId);

    [Theory]
    [InlineData("Bad_NS")]
    [InlineData("UPPER")]
    [InlineData("a.b")]
    [InlineData("-ns")]
    public void A_namespace_that_is_not_a_dns_label_is_InvalidNamespace(string ns) =>
        Assert.Equal("InvalidNamespace", Refused(() => ValueRules.Namespace(ns)).ErrorId);

    [Theory]
    [InlineData(null)]
    [InlineData("default")]
    [InlineData("e2e-1")]
    public void A_dns_label_namespace_or_none_is_accepted(string? ns) => ValueRules.Namespace(ns);

    [Theory]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData("a~b")]
    [InlineData("a:b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a.lock")]
    [InlineData("a@{b")]
    [InlineData("-a")]
    [InlineData("a//b")]
    public void A_branch_git_would_refuse_is_InvalidBranch(string branch) =>
        Assert.Equal("InvalidBranch", Refused(() => ValueRules.Branch(branch)).ErrorId);

    [Theory]
    [InlineData("main")]
    [InlineData("feature/e2e")]
    [InlineData("release-1.2")]
    public void A_valid_branch_is_accepted(string branch) => ValueRules.Branch(branch);

    [Theory]
    [InlineData("E2EPS_TEST_PATH")]
    [InlineData("e2eps_job")]
    [InlineData("1ABC")]
    [InlineData("A=B")]
    [InlineData("")]
    public void An_env_name_that_is_reserved_or_invalid_is_InvalidEnvName(string name) =>
        Assert.Equal("InvalidEnvName", Refused(() => ValueRules.Env([new(name, "x")])).ErrorId);

    [Theory]
    [InlineData("1", "1000000000")]
    [InlineData("500m", "500000000")]
    [InlineData("1.5", "1500000000")]
    [InlineData(".5", "500000000")]
    [InlineData("1Ki", "1024000000000")]
    [InlineData("1k", "1000000000000")]
    [InlineData("1e3", "1000000000000")]
    [InlineData("1E", "1000000000000000000000000000")] // exa: 10^18 units
    [InlineData("100n", "100")]
    [InlineData("0.1n", "1")] // rounded up to 1n, as ParseQuantity does
    [InlineData("2u", "2000")]
    public void Quantities_parse_exactly_as_kubernetes_defines_them(string text, string nanos) =>
        Assert.Equal(BigInteger.Parse(nanos, System.Globalization.CultureInfo.InvariantCulture), ValueRules.ParseQuantity(text));

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1K")] // decimal kilo is a lower-case k
    [InlineData("1mi")]
    [InlineData("-1")]
    [InlineData("1Gb")]
    [InlineData("1.2.3")]
    public void Text_that_is_not_a_nonnegative_quantity_does_not_parse(string text) => Assert.Null(ValueRules.ParseQuantity(text));

    [Fact]
    public void A_request_above_its_limit_is_refused_as_the_api_server_refuses_it()
    {
        var error = Refused(() => ValueRules.Resources(["4", "1"], "500m", "2", "Cpu"));
        Assert.Equal("ResourceRequestAboveLimit", error.ErrorId);
        Assert.Contains("4", error.Message, StringComparison.Ordinal);
        Assert.Equal("ResourceRequestAboveLimit", Refused(() => ValueRules.Resources(["2Gi", "2000Mi"], "2Gi", "4Gi", "Memory")).ErrorId);
    }

    [Theory]
    [InlineData("99999999999999999999999Ei")]
    [InlineData("8Ei")] // 2^63: one more than Kubernetes holds; it would cap it silently
    [InlineData("10E")]
    public void A_quantity_kubernetes_cannot_hold_is_refused_not_capped(string memory)
    {
        var error = Refused(() => ValueRules.Resources([memory], "2Gi", "4Gi", "Memory"));
        Assert.Equal("InvalidResources", error.ErrorId);
        Assert.Equal(memory, error.Target);
    }

    [Theory]
    [InlineData(new[] { "1", "4" }, "1", "4")]
    [InlineData(new[] { "500m" }, "500m", "500m")]
    [InlineData(new[] { "1000m", "1" }, "1000m", "1")]
    [InlineData(new[] { "7Ei" }, "7Ei", "7Ei")]
    public void Requests_up_to_their_limit_are_kept_as_written(string[] values, string request, string limit) =>
        Assert.Equal((request, limit), ValueRules.Resources(values, "x", "y", "Cpu"));

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public void A_retry_count_out_of_range_is_InvalidRetryCount(int count) =>
        Assert.Equal("InvalidRetryCount", Refused(() => ValueRules.RetryCount(count)).ErrorId);

    [Theory]
    [InlineData("fx0[1-3]", "fx01", true)]
    [InlineData("fx0[1-3]", "fx04", false)]
    [InlineData("FX0[1-3]", "fx02", true)]
    [InlineData("fx0[13]", "fx03", true)]
    [InlineData("fx0[13]", "fx02", false)]
    [InlineData("fx0[1-]", "fx0-", true)]
    [InlineData("[!a]", "!", true)] // PowerShell has no negated sets: '!' is a character of the set
    [InlineData("[!a]", "b", false)]
    [InlineData("api-*", "api-smoke", true)]
    [InlineData("api-?", "api-1", true)]
    [InlineData("api-?", "api-12", false)]
    [InlineData("a`*", "a*", true)]
    [InlineData("a`*", "ab", false)]
    [InlineData("a.b", "axb", false)]
    public void Name_patterns_follow_powershell_wildcards(string pattern, string name, bool matches) =>
        Assert.Equal(matches, ValueRules.NameMatcher(pattern)(name));

    [Theory]
    [InlineData("fx0[1-3")]
    [InlineData("a[]")]
    public void An_unclosed_set_is_InvalidWildcardPattern(string pattern) =>
        Assert.Equal("InvalidWildcardPattern", Refused(() => ValueRules.NameMatcher(pattern)).ErrorId);

    [Theory]
    [InlineData("fx0[1-3]", true)]
    [InlineData("a*", true)]
    [InlineData("a]", true)]
    [InlineData("a`*", false)]
    [InlineData("plain", false)]
    public void Wildcard_characters_are_recognised_as_powershell_does(string pattern, bool expected) =>
        Assert.Equal(expected, ValueRules.ContainsWildcard(pattern));
}
