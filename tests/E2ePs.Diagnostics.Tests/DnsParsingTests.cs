using E2ePs.Contracts;
using E2ePs.Engine.Diagnostics;

namespace E2ePs.Diagnostics.Tests;

/// <summary>Host parsing, environment scanning and the look-up output of real tools (busybox nslookup, glibc getent).</summary>
public sealed class DnsParsingTests
{
    [Fact]
    public void The_guides_environment_yields_its_three_services_with_their_ports()
    {
        var env = new Dictionary<string, string>
        {
            ["PYTHONUNBUFFERED"] = "1",
            ["PYTEST_CURRENT_TEST"] = "",
            ["VLLM_URL"] = "http://vllm-server.swe-ai-fleet.svc.cluster.local:8000",
            ["ORCHESTRATOR_HOST"] = "orchestrator.swe-ai-fleet.svc.cluster.local",
            ["ORCHESTRATOR_PORT"] = "50055",
            ["CONTEXT_HOST"] = "context.swe-ai-fleet.svc.cluster.local",
            ["CONTEXT_PORT"] = "50054",
            ["CONFIG_FILE"] = "settings.yaml",
            ["E2EPS_TEST_PATH"] = "tests/e2e/test_x.py",
        };

        var hosts = DnsHostParser.FromEnvironment(env, "job x");

        Assert.Equal(["VLLM_URL", "ORCHESTRATOR_HOST", "CONTEXT_HOST"], hosts.Select(h => h.Source["job x: ".Length..]));
        var targets = hosts.Select(h => DnsHostParser.Parse(h, "default", null)).ToList();
        Assert.Equal([8000, 50055, 50054], targets.Select(t => t.Port));
        Assert.Equal(["vllm-server", "orchestrator", "context"], targets.Select(t => t.Service));
        Assert.All(targets, t => Assert.Equal("swe-ai-fleet", t.Namespace));
    }

    [Theory]
    [InlineData("api", "api", "shop", "api.shop.svc.cluster.local", null)]
    [InlineData("api.other", "api", "other", "api.other.svc.cluster.local", null)]
    [InlineData("API.other.svc:8080", "api", "other", "api.other.svc.cluster.local", 8080)]
    [InlineData("grpc://api.other.svc.corp.example:50051", "api", "other", "api.other.svc.corp.example", 50051)]
    [InlineData("https://api.github.com/repos", null, null, "api.github.com", 443)]
    [InlineData("vllm-server.swe-ai-fleet.svc.cluster.local.", "vllm-server", "swe-ai-fleet", "vllm-server.swe-ai-fleet.svc.cluster.local", null)]
    public void Names_are_read_as_cluster_dns_reads_them(string text, string? service, string? ns, string lookup, int? port)
    {
        var target = DnsHostParser.Parse(new DnsHost(text, null, "-HostName"), "shop", null);

        Assert.Equal(service, target.Service);
        Assert.Equal(ns, target.Namespace);
        Assert.Equal(lookup, target.ClusterName);
        Assert.Equal(port, target.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("under_score.ns")]
    [InlineData("api:99999")]
    [InlineData("-api")]
    [InlineData("fd00::1")]
    public void Anything_else_is_an_InvalidHostName_error(string text)
    {
        var error = Assert.Throws<E2eException>(() => DnsHostParser.Parse(new DnsHost(text, null, "-HostName"), "ns", null));

        Assert.Equal("InvalidHostName", error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidArgument, error.Category);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public void Busybox_nslookup_and_getent_answers_are_parsed_and_a_cut_script_is_noticed()
    {
        string[] output =
        [
            "e2eps-dns-begin vllm-server.ns.svc.cluster.local",
            "sh: getent: not found",
            "Server:\t\t10.96.0.10",
            "Address:\t10.96.0.10:53",
            "",
            "Name:\tvllm-server.ns.svc.cluster.local",
            "Address: 10.96.12.34",
            "",
            "e2eps-dns-begin old.ns.svc.cluster.local",
            "Server:    10.96.0.10",
            "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local",
            "",
            "Name:      old.ns.svc.cluster.local",
            "Address 1: 10.96.7.7 old.ns.svc.cluster.local",
            "e2eps-dns-begin glibc.ns.svc.cluster.local",
            "10.96.1.2       glibc.ns.svc.cluster.local",
            "e2eps-dns-begin missing.ns.svc.cluster.local",
            "Server:\t\t10.96.0.10",
            "Address:\t10.96.0.10:53",
            "",
            "** server can't find missing.ns.svc.cluster.local: NXDOMAIN",
            "e2eps-dns-done",
        ];

        var answers = DnsScript.Parse(output, out var complete);

        Assert.True(complete);
        Assert.Equal(["10.96.12.34"], answers["vllm-server.ns.svc.cluster.local"].Addresses);
        Assert.Equal(["10.96.7.7"], answers["old.ns.svc.cluster.local"].Addresses);
        Assert.Equal(["10.96.1.2"], answers["glibc.ns.svc.cluster.local"].Addresses);
        Assert.False(answers["missing.ns.svc.cluster.local"].Resolved);
        Assert.Contains("NXDOMAIN", answers["missing.ns.svc.cluster.local"].Detail, StringComparison.Ordinal);

        DnsScript.Parse(output.Take(8), out var cut);
        Assert.False(cut);
    }

    [Fact]
    public void The_script_looks_up_absolute_names_between_markers()
    {
        var script = DnsScript.Build(["api.ns.svc.cluster.local"]);

        Assert.Contains("echo e2eps-dns-begin api.ns.svc.cluster.local\n", script, StringComparison.Ordinal);
        Assert.Contains("getent hosts api.ns.svc.cluster.local. || nslookup api.ns.svc.cluster.local.\n", script, StringComparison.Ordinal);
        Assert.EndsWith("echo e2eps-dns-done\n", script, StringComparison.Ordinal);
    }
}
