using System.Net;
using System.Text;

namespace E2ePs.Engine.Diagnostics;

/// <summary>What one look-up found: whether the name resolved and to which addresses.</summary>
/// <param name="Resolved">Whether at least one address came back.</param>
/// <param name="Addresses">The addresses, in the order printed, without repeats.</param>
/// <param name="Detail">The resolver's own words when it failed (NXDOMAIN, timed out), else null.</param>
public sealed record DnsAnswer(bool Resolved, IReadOnlyList<string> Addresses, string? Detail);

/// <summary>
/// The shell script that looks names up inside the cluster, and the parser of its output. The script
/// brackets each look-up with marker lines, tries getent (glibc and musl images) and then nslookup
/// (busybox), and uses absolute names (a trailing dot) so that the pod's search path cannot turn a
/// missing name into another one.
/// </summary>
public static class DnsScript
{
    private const string BeginMarker = "e2eps-dns-begin";
    private const string DoneMarker = "e2eps-dns-done";

    /// <summary>The script for <paramref name="names"/>; names must already be validated DNS names.</summary>
    public static string Build(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var script = new StringBuilder();
        foreach (var name in names)
        {
            // Names are validated DNS names (letters, digits, '-', '.'), so they need no quoting.
            script.Append("echo ").Append(BeginMarker).Append(' ').Append(name).Append('\n');
            script.Append("getent hosts ").Append(name).Append(". || nslookup ").Append(name).Append(".\n");
        }

        script.Append("echo ").Append(DoneMarker).Append('\n');
        return script.ToString();
    }

    /// <summary>
    /// The answer for each name whose section is in <paramref name="lines"/>; a name whose section is
    /// missing (the script did not get that far) has no entry.
    /// </summary>
    public static IReadOnlyDictionary<string, DnsAnswer> Parse(IEnumerable<string> lines, out bool complete)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var answers = new Dictionary<string, DnsAnswer>(StringComparer.Ordinal);
        complete = false;
        string? current = null;
        List<string> addresses = [];
        string? detail = null;
        var inAnswer = false;

        void Close()
        {
            if (current is not null)
            {
                answers[current] = new DnsAnswer(addresses.Count > 0, addresses, addresses.Count > 0 ? null : detail ?? "no address returned");
            }
        }

        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(BeginMarker + " ", StringComparison.Ordinal))
            {
                Close();
                current = line[(BeginMarker.Length + 1)..].Trim();
                addresses = [];
                detail = null;
                inAnswer = false;
                continue;
            }

            if (line.Trim() == DoneMarker)
            {
                Close();
                current = null;
                complete = true;
                continue;
            }

            if (current is null)
            {
                continue;
            }

            var trimmed = line.Trim();
            if (trimmed.StartsWith("Name:", StringComparison.Ordinal))
            {
                // nslookup: the server's own "Address:" comes before the first "Name:", answers after it.
                inAnswer = true;
            }
            else if (inAnswer && trimmed.StartsWith("Address", StringComparison.Ordinal) && AddressOf(trimmed) is { } ip)
            {
                Add(addresses, ip);
            }
            else if (trimmed.Contains("can't find", StringComparison.OrdinalIgnoreCase) || trimmed.Contains("NXDOMAIN", StringComparison.Ordinal) ||
                     trimmed.Contains("timed out", StringComparison.OrdinalIgnoreCase) || trimmed.Contains("SERVFAIL", StringComparison.Ordinal))
            {
                detail ??= trimmed.TrimStart('*', ' ');
            }
            else if (trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is [var first, _, ..] && IPAddress.TryParse(first, out _) && !first.Contains('#', StringComparison.Ordinal))
            {
                // getent hosts: "10.96.12.34     vllm-server.ns.svc.cluster.local"
                Add(addresses, first);
            }
        }

        Close();
        return answers;
    }

    private static void Add(List<string> addresses, string ip)
    {
        if (!addresses.Contains(ip, StringComparer.Ordinal))
        {
            addresses.Add(ip);
        }
    }

    /// <summary>"Address: 10.0.0.1", "Address 1: 10.0.0.1 name" (old busybox), "Address:\t10.96.0.10:53" is not an answer.</summary>
    private static string? AddressOf(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var value = line[(colon + 1)..].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return value is not null && IPAddress.TryParse(value, out _) ? value : null;
    }
}
