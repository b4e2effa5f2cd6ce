using System.Management.Automation;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Test-E2eDns: checks that the services a test needs are there and resolve from inside the cluster:
/// the Service and its ports, its ready endpoints, and a name look-up in a short-lived probe pod (or
/// through exec in an existing pod). Hosts come from -HostName or from the environment of a job piped in.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "E2eDns", DefaultParameterSetName = HostNameSet, SupportsShouldProcess = true, HelpUri = HelpLinks.Base + "Test-E2eDns.md")]
[OutputType(typeof(E2eDnsResult), typeof(bool))]
public sealed class TestE2eDnsCommand : ClusterCmdlet
{
    private const string HostNameSet = "HostName";
    private const string JobSet = "Job";
    private readonly List<(ClusterTarget Target, List<DnsHost> Hosts)> _batches = [];

    /// <summary>Host names, host:port or URLs, such as http://vllm-server.swe-ai-fleet.svc.cluster.local:8000.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = HostNameSet)]
    [Alias("Url")]
    public string[] HostName { get; set; } = [];

    /// <summary>A job definition from Get-E2eJob: its environment's URLs and host names are checked.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = JobSet)]
    public E2eJob? InputObject { get; set; }

    /// <summary>The port to check on every host, instead of the URL's.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Image of the probe pod; it needs sh and nslookup.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ProbeImage { get; set; } = DnsRequest.DefaultProbeImage;

    /// <summary>Look the names up in this running pod through exec, instead of in a probe pod.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Pod { get; set; }

    /// <summary>Seconds the look-up may take, from creating the probe to reading its answer.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int Timeout { get; set; } = 60;

    /// <summary>Return only $true when every host passed, else $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ClusterTarget target;
        try
        {
            target = Target;
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return;
        }

        List<DnsHost> hosts;
        if (ParameterSetName == JobSet && InputObject is { } job)
        {
            target.Namespace ??= string.IsNullOrEmpty(job.Namespace) ? null : job.Namespace;
            hosts = Engine.Diagnostics.HostsFromEnvironment(job.Env, $"job {job.Name}").ToList();
            if (hosts.Count == 0)
            {
                WriteVerbose($"Job {job.Name} names no URL or host in its environment.");
                return;
            }
        }
        else
        {
            hosts = HostName.Select(h => new DnsHost(h, null, "-HostName")).ToList();
        }

        // Hosts for the same cluster and namespace share one probe pod.
        var batch = _batches.FirstOrDefault(b => b.Target.Kubeconfig == target.Kubeconfig && b.Target.Context == target.Context && b.Target.Namespace == target.Namespace);
        if (batch.Hosts is null)
        {
            _batches.Add((target, hosts));
        }
        else
        {
            batch.Hosts.AddRange(hosts);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var passed = true;
        foreach (var (target, hosts) in _batches)
        {
            passed &= Check(target, hosts);
            if (CancellationToken.IsCancellationRequested)
            {
                return;
            }
        }

        if (Quiet)
        {
            WriteObject(passed);
        }
    }

    private bool Check(ClusterTarget target, List<DnsHost> hosts)
    {
        ClusterIdentity identity;
        try
        {
            identity = Engine.Cluster.Resolve(target);
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return false;
        }

        var request = Request(target, identity, hosts);
        var progress = new ProgressRecord(3, "Test-E2eDns", $"Checking {hosts.Count} host(s) in namespace {target.Namespace ?? identity.DefaultNamespace}");
        WriteProgress(progress);
        DnsReport report;
        try
        {
            // Ctrl+C: Await waits for the engine to delete its probe Job (a budget of its own) before the pipeline stops.
            report = Await(Engine.Diagnostics.TestDnsAsync(request, CancellationToken));
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return false;
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }

        return Write(report);
    }

    /// <summary>What to check, and how: with a probe pod, through exec in -Pod, or (declined under -WhatIf or -Confirm) from the API only.</summary>
    private DnsRequest Request(ClusterTarget target, ClusterIdentity identity, List<DnsHost> hosts)
    {
        var ns = target.Namespace ?? identity.DefaultNamespace;
        var lookUp = !string.IsNullOrEmpty(Pod)
            || ShouldProcess($"namespace {ns} on context '{identity.Context}'", $"Create a short-lived probe Job ({ProbeImage}) to look up {hosts.Count} name(s), then delete it");
        WriteVerbose($"Checking {hosts.Count} host(s) in namespace {ns} on context '{identity.Context}'" + (lookUp ? Pod is null ? $" with a probe pod ({ProbeImage})." : $" through exec in pod {Pod}." : " from the API only."));
        return new DnsRequest
        {
            Target = target,
            Hosts = hosts,
            Port = Port,
            ProbeImage = ProbeImage,
            Pod = Pod,
            ApiOnly = !lookUp,
            ProbeTimeout = TimeSpan.FromSeconds(Timeout),
        };
    }

    /// <summary>Writes the report's errors and results; whether every host passed.</summary>
    private bool Write(DnsReport report)
    {
        foreach (var error in report.Errors)
        {
            WriteE2eError(error);
        }

        if (!Quiet)
        {
            foreach (var result in report.Results)
            {
                WriteObject(result);
            }
        }

        // An invalid host fails the test; a probe that could not run leaves the API-level answer standing.
        return report.Results.All(r => r.Error is null) && !report.Errors.Any(e => e.ErrorId == "InvalidHostName");
    }
}
