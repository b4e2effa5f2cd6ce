using System.Globalization;
using System.Net;
using E2ePs.Engine.Cluster;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>What the API says about the Service behind a host: "kubectl get svc" and its EndpointSlices.</summary>
/// <param name="Found">Whether the Service exists; null when it could not be read.</param>
/// <param name="Ports">Port numbers it serves.</param>
/// <param name="PortLabels">Its ports as kubectl shows them: "http:8000/TCP".</param>
/// <param name="ReadyEndpoints">Ready endpoints over its EndpointSlices; null for an ExternalName Service or when not readable.</param>
/// <param name="ExternalName">The target of an ExternalName Service, else null.</param>
/// <param name="Problem">Why the Service or its endpoints could not be read, else null.</param>
public sealed record ServiceState(bool? Found, IReadOnlyList<int> Ports, IReadOnlyList<string> PortLabels, int? ReadyEndpoints, string? ExternalName, string? Problem);

/// <summary>Reads a Service and counts its ready endpoints.</summary>
public static class ServiceCheck
{
    /// <summary>The label that ties an EndpointSlice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>Reads Service <paramref name="service"/> in <paramref name="ns"/>; a denied read is a <see cref="ServiceState.Problem"/>, not an exception.</summary>
    public static async Task<ServiceState> ReadAsync(ClusterConnection connection, string ns, string service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        V1Service svc;
        try
        {
            svc = await connection.Client.CoreV1.ReadNamespacedServiceAsync(service, ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            return new ServiceState(false, [], [], null, null, null);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            var translated = KubernetesErrors.Translate(error, connection, $"read Service {service} in namespace {ns}", service);
            return new ServiceState(null, [], [], null, null, translated.Message);
        }

        var ports = (svc.Spec?.Ports ?? []).Select(p => p.Port).ToList();
        var labels = (svc.Spec?.Ports ?? []).Select(p => (string.IsNullOrEmpty(p.Name) ? "" : p.Name + ":") + p.Port.ToString(CultureInfo.InvariantCulture) + "/" + (p.Protocol ?? "TCP")).ToList();
        if (svc.Spec?.Type == "ExternalName")
        {
            return new ServiceState(true, ports, labels, null, svc.Spec.ExternalName, null);
        }

        try
        {
            var slices = await connection.Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: $"{ServiceNameLabel}={service}", cancellationToken: cancellationToken);
            return new ServiceState(true, ports, labels, CountReady(slices.Items), null, null);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            var translated = KubernetesErrors.Translate(error, connection, $"list the EndpointSlices of Service {service} in namespace {ns}", service);
            return new ServiceState(true, ports, labels, null, null, translated.Message);
        }
    }

    /// <summary>Ready endpoints, each address counted once; a missing "ready" condition counts as ready, as the API documents.</summary>
    public static int CountReady(IEnumerable<V1EndpointSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var ready = new HashSet<string>(StringComparer.Ordinal);
        var anonymous = 0;
        foreach (var endpoint in slices.SelectMany(s => s.Endpoints ?? []))
        {
            if (endpoint.Conditions?.Ready == false)
            {
                continue;
            }

            if (endpoint.Addresses is { Count: > 0 } addresses)
            {
                ready.Add(addresses[0]);
            }
            else
            {
                anonymous++;
            }
        }

        return ready.Count + anonymous;
    }
}
