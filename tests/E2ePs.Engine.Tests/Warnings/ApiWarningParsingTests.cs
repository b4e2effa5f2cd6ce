using E2ePs.Engine.Cluster;

namespace E2ePs.Engine.Tests.Warnings;

/// <summary>
/// <see cref="ApiWarnings.Parse"/> over Warning header values as the API server writes them: "299 - " and the text quoted with
/// '"' and '\' escaped (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/filters/warning.go; RFC 7234
/// section 5.5), one header per warning or, after a proxy, several joined by commas.
/// </summary>
public sealed class ApiWarningParsingTests
{
    public static TheoryData<string, string, string[]> Rows => new()
    {
        { "a plain warning", "299 - \"batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob\"",
            ["batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"] },
        { "Pod Security's, with escaped quotes", "299 - \"would violate PodSecurity \\\"restricted:latest\\\": runAsNonRoot != true (pod or container \\\"app\\\" must set securityContext.runAsNonRoot=true)\"",
            ["would violate PodSecurity \"restricted:latest\": runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)"] },
        { "an escaped backslash", "299 - \"path C:\\\\temp\"", ["path C:\\temp"] },
        { "two joined by a comma, one with a comma inside", "299 - \"a, b\", 299 - \"c\"", ["a, b", "c"] },
        { "with a warn-date", "299 - \"old API\" \"Sat, 05 Dec 2026 10:00:00 GMT\", 299 - \"next\"", ["old API", "next"] },
        { "an unquoted value is kept rather than lost", "299 - unquoted", ["299 - unquoted"] },
        { "empty", "", [] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_warning_text_is_read_unescaped(string name, string header, string[] expected)
    {
        Assert.True(expected.SequenceEqual(ApiWarnings.Parse(header)), $"{name}: [{string.Join(" | ", ApiWarnings.Parse(header))}]");
    }
}
