using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>A host to check: a name or URL as given, and where it came from.</summary>
/// <param name="Text">A host name, host:port, or URL such as http://vllm-server.ns.svc.cluster.local:8000.</param>
/// <param name="Port">The port to check, when known apart from the text (a *_PORT variable).</param>
/// <param name="Source">"-HostName", or "job x: VLLM_URL".</param>
public sealed record DnsHost(string Text, int? Port, string Source);

/// <summary>The inputs of Test-E2eDns for one cluster and namespace.</summary>
public sealed class DnsRequest
{
    /// <summary>Which cluster; the namespace is where short names are looked up and the probe runs.</summary>
    public ClusterTarget Target { get; set; } = new();

    /// <summary>The hosts.</summary>
    public IReadOnlyList<DnsHost> Hosts { get; set; } = [];

    /// <summary>The port to check for every host, overriding the URL's.</summary>
    public int? Port { get; set; }

    /// <summary>Image of the probe pod; it needs sh and nslookup (busybox has both).</summary>
    public string ProbeImage { get; set; } = DefaultProbeImage;

    /// <summary>Look names up in this existing pod through exec instead of a probe pod.</summary>
    public string? Pod { get; set; }

    /// <summary>Run no probe and no exec: API-level checks only (for -WhatIf).</summary>
    public bool ApiOnly { get; set; }

    /// <summary>How long the probe may take, from creation to its log.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The probe image used when none is given: small, with sh and nslookup.</summary>
    public const string DefaultProbeImage = "busybox:1.36";
}

/// <summary>What Test-E2eDns found: one result per valid host, and the problems met on the way.</summary>
public sealed class DnsReport
{
    /// <summary>One result per host, in the order given.</summary>
    public IReadOnlyList<E2eDnsResult> Results { get; init; } = [];

    /// <summary>Hosts that are not names or URLs, and a probe that could not run (forbidden, image pull, timeout).</summary>
    public IReadOnlyList<E2eException> Errors { get; init; } = [];
}
