using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using k8s;
using E2ePs.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// Test-E2eDns's engine: the guide's "Connection errors in test" steps. "kubectl get svc" and its
/// endpoints come from the API; "nslookup from inside the pod" runs once for all hosts, in a probe Job
/// or through exec. No TCP connection is made: a Service is judged reachable from its port, its ready
/// endpoints and its name resolving, which is what a connection depends on inside the cluster.
/// </summary>
public sealed class DnsTester(IClusterConnectionFactory connections, DnsProbe probe)
{
    /// <summary>Runs the checks of <paramref name="request"/>.</summary>
    public async Task<DnsReport> TestAsync(DnsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = connections.Get(request.Target);
        var ns = connection.NamespaceFor(request.Target.Namespace);
        var errors = new List<E2eException>();
        var targets = new List<DnsTarget>();
        foreach (var host in request.Hosts)
        {
            try
            {
                targets.Add(DnsHostParser.Parse(host, ns, request.Port));
            }
            catch (E2eException error)
            {
                errors.Add(error);
            }
        }

        if (targets.Count == 0)
        {
            return new DnsReport { Errors = errors };
        }

        await CheckNamespaceAsync(connection, ns, cancellationToken);
        var services = new Dictionary<DnsTarget, ServiceState>();
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            if (!target.IsService)
            {
                continue;
            }

            var state = await ServiceCheck.ReadAsync(connection, target.Namespace!, target.Service!, cancellationToken);
            if (state.Found == false && target.Ambiguous && !await NamespaceExistsAsync(connection, target.Namespace!, cancellationToken))
            {
                // "github.com" is a Service only if there is a namespace "com"; otherwise it leaves the cluster.
                targets[i] = target.AsExternal();
                continue;
            }

            services[target] = state;
        }

        var names = targets.Select(t => t.ClusterName).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyDictionary<string, DnsAnswer>? answers = null;
        var resolvedBy = "not resolved (-WhatIf: no probe pod was created)";
        if (!request.ApiOnly)
        {
            var script = DnsScript.Build(names);
            try
            {
                var lines = string.IsNullOrEmpty(request.Pod)
                    ? await probe.RunAsync(connection, request.Target, ns, request.ProbeImage, script, request.ProbeTimeout, cancellationToken)
                    : await PodExec.RunAsync(connection, ns, request.Pod, script, request.ProbeTimeout, cancellationToken);
                answers = DnsScript.Parse(lines, out var complete);
                resolvedBy = string.IsNullOrEmpty(request.Pod) ? $"probe pod ({request.ProbeImage})" : $"exec in pod {request.Pod}";
                if (!complete)
                {
                    errors.Add(new E2eException("DnsProbeIncomplete", E2eErrorCategory.InvalidResult, ns,
                        $"The look-up script in namespace {ns} stopped before it checked every name; names without an answer are reported as not checked.")
                    {
                        RecommendedAction = "Run again; if it persists, check that the probe image has sh, getent or nslookup.",
                    });
                }
            }
            catch (E2eException error)
            {
                errors.Add(error);
                resolvedBy = $"not resolved ({error.ErrorId})";
            }
        }

        var results = targets.Select(t => Judge(t, services.GetValueOrDefault(t), answers?.GetValueOrDefault(t.ClusterName), resolvedBy, connection.Identity.Context)).ToList();
        return new DnsReport { Results = results, Errors = errors };
    }

    /// <summary>Puts the checks of one host together and names the first thing wrong.</summary>
    public static E2eDnsResult Judge(DnsTarget target, ServiceState? service, DnsAnswer? answer, string resolvedBy, string context)
    {
        ArgumentNullException.ThrowIfNull(target);
        var result = new E2eDnsResult
        {
            Host = target.Host,
            LookupName = target.ClusterName,
            Source = target.Source,
            Namespace = target.Namespace,
            Service = target.Service,
            Port = target.Port,
            ServiceFound = service?.Found,
            Ports = service?.PortLabels ?? [],
            ReadyEndpoints = service?.ReadyEndpoints,
            Resolved = answer?.Resolved,
            Addresses = answer?.Addresses ?? [],
            ResolvedBy = answer is null ? resolvedBy.StartsWith("not", StringComparison.Ordinal) ? resolvedBy : "not resolved (no answer)" : resolvedBy,
            Context = context,
        };

        var problems = new List<string>();
        if (target.IsService && service is not null)
        {
            var where = $"Service {target.Service} in namespace {target.Namespace}";
            if (service.Found == false)
            {
                problems.Add($"There is no {where} ('kubectl get svc -n {target.Namespace}' lists the Services there).");
            }
            else if (service.Found is null)
            {
                problems.Add(service.Problem ?? $"The {where} could not be read.");
            }
            else
            {
                if (target.Port is { } port && !service.Ports.Contains(port) && service.ExternalName is null)
                {
                    problems.Add(service.Ports.Count == 0
                        ? $"The {where} has no ports; port {port} is not served."
                        : $"The {where} does not serve port {port}; it serves {string.Join(", ", service.PortLabels)}.");
                }

                if (service.ReadyEndpoints == 0)
                {
                    problems.Add($"The {where} has no ready endpoints: its pods are not ready, or its selector matches no pod.");
                }
                else if (service.ReadyEndpoints is null && service.ExternalName is null && service.Problem is not null)
                {
                    problems.Add(service.Problem);
                }
            }
        }

        if (answer is { Resolved: false })
        {
            problems.Add($"{target.ClusterName} does not resolve from inside the cluster ({answer.Detail}).");
        }

        result.Error = problems.Count > 0 ? string.Join(" ", problems) : null;
        // Unknown for a host outside the cluster and for a Service that could not be read.
        result.Reachable = !target.IsService || service?.Found is null ? null : problems.Count == 0;
        return result;
    }

    private static async Task CheckNamespaceAsync(ClusterConnection connection, string ns, CancellationToken cancellationToken)
    {
        if (!await NamespaceExistsAsync(connection, ns, cancellationToken))
        {
            throw new E2eException("NamespaceNotFound", E2eErrorCategory.ObjectNotFound, ns,
                $"The namespace '{ns}' does not exist on context '{connection.Identity.Context}' ({connection.Identity.Server}).")
            {
                RecommendedAction = "Pass -Namespace with the namespace the tests run in ('kubectl get namespaces').",
            };
        }
    }

    /// <summary>Whether a namespace exists; a user who may not read namespaces is given the benefit of the doubt.</summary>
    private static async Task<bool> NamespaceExistsAsync(ClusterConnection connection, string ns, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
            return true;
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            return false;
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            return true;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read namespace {ns}", ns);
        }
    }
}
