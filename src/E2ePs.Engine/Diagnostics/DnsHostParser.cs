using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Manifests;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// Turns what a user or a job's environment gives (a name, host:port, or URL) into a <see cref="DnsTarget"/>,
/// reading cluster names the way cluster DNS does: svc, svc.ns, svc.ns.svc, svc.ns.svc.&lt;cluster domain&gt;.
/// </summary>
public static partial class DnsHostParser
{
    /// <summary>The cluster domain assumed for short names.</summary>
    public const string ClusterDomain = "cluster.local";

    /// <summary>Parses one host; throws InvalidHostName when it is neither a DNS name nor a URL with one.</summary>
    public static DnsTarget Parse(DnsHost host, string defaultNamespace, int? portOverride)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!TrySplit(host.Text, out var name, out var port, out var problem))
        {
            throw new E2eException("InvalidHostName", E2eErrorCategory.InvalidArgument, host.Text,
                $"'{host.Text}' ({host.Source}) is not a host name or URL: {problem}.")
            {
                RecommendedAction = "Pass a DNS name such as vllm-server.swe-ai-fleet.svc.cluster.local, a host:port, or a URL such as http://vllm-server:8000.",
            };
        }

        return Classify(name, portOverride ?? port ?? host.Port, host.Source, defaultNamespace);
    }

    /// <summary>The hosts named by environment variables: URLs, dotted DNS names, and *_HOST values (with *_PORT).</summary>
    public static IReadOnlyList<DnsHost> FromEnvironment(IReadOnlyDictionary<string, string> environment, string source)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var hosts = new List<DnsHost>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (variable, raw) in environment)
        {
            var value = raw?.Trim() ?? "";
            if (value.Length == 0 || variable.StartsWith(JobLabels.ReservedVariablePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!TrySplit(value, out var name, out var port, out _))
            {
                continue;
            }

            var isUrl = value.Contains("://", StringComparison.Ordinal);
            // "1", "true" or "config.yaml" parse as names too: take a value only when it is a URL, a cluster
            // name (x.ns.svc...), or the variable's name says it holds a host.
            var namedAsHost = Regex.IsMatch(variable, "(_|^)(HOST|HOSTNAME|ADDR|ADDRESS|SERVER|ENDPOINT|URL|URI)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            var clusterName = name.Split('.') is { Length: >= 3 } labels && labels[2] == "svc";
            if (!isUrl && !clusterName && !namedAsHost)
            {
                continue;
            }

            port ??= PortOf(environment, variable);
            if (seen.Add($"{name}:{port}"))
            {
                hosts.Add(new DnsHost(value, port, $"{source}: {variable}"));
            }
        }

        return hosts;
    }

    /// <summary>The value of the *_PORT variable that goes with a *_HOST one (ORCHESTRATOR_HOST and ORCHESTRATOR_PORT).</summary>
    private static int? PortOf(IReadOnlyDictionary<string, string> environment, string variable)
    {
        var match = Regex.Match(variable, "^(?<prefix>.*)_(HOST|HOSTNAME|ADDR|ADDRESS|SERVER)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            return null;
        }

        var prefix = match.Groups["prefix"].Value;
        return environment.TryGetValue(prefix + "_PORT", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : null;
    }

    private static bool TrySplit(string text, out string name, out int? port, out string problem)
    {
        name = "";
        port = null;
        problem = "";
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            problem = "it is empty";
            return false;
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                problem = "the URL has no host";
                return false;
            }

            value = uri.Host;
            port = uri.Port > 0 ? uri.Port : null;
        }
        else if (value.LastIndexOf(':') is var colon and > 0 && !value.Contains("::", StringComparison.Ordinal) && value.Count(c => c == ':') == 1)
        {
            if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                problem = $"'{value[(colon + 1)..]}' is not a port number";
                return false;
            }

            port = p;
            value = value[..colon];
        }

        value = value.TrimEnd('.').ToLowerInvariant();
        if (IPAddress.TryParse(value.Trim('[', ']'), out _))
        {
            problem = "it is an IP address; there is no name to resolve";
            return false;
        }

        if (value.Length > 253 || !DnsNamePattern().IsMatch(value))
        {
            problem = "a DNS name has labels of letters, digits and '-', separated by dots, each at most 63 characters";
            return false;
        }

        name = value;
        return true;
    }

    private static DnsTarget Classify(string name, int? port, string source, string defaultNamespace)
    {
        var labels = name.Split('.');
        var (service, ns, domain) = labels.Length switch
        {
            1 => (labels[0], defaultNamespace, ClusterDomain),
            2 => (labels[0], labels[1], ClusterDomain),
            3 when labels[2] == "svc" => (labels[0], labels[1], ClusterDomain),
            > 3 when labels[2] == "svc" => (labels[0], labels[1], string.Join('.', labels.Skip(3))),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        return service is null
            ? new DnsTarget(name, null, null, name, port, source, false)
            : new DnsTarget(name, service, ns, $"{service}.{ns}.svc.{domain}", port, source, labels.Length == 2);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsNamePattern();
}
