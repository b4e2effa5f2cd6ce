using System.Globalization;
using k8s;
using k8s.Autorest;

namespace E2ePs.Engine.Logs;

/// <summary>
/// Opens GET pods/{name}/log with the query the generated client lacks: sinceTime. Reopening a dropped
/// stream from the last line's own timestamp, stamped by the node, replays at most the lines of that
/// second; a client-computed sinceSeconds would need a margin for clock skew and replay far more.
/// sinceTime is sent in whole seconds: the API server truncates it to that before the kubelet sees it
/// (see <see cref="LogResumePoint"/>), so more digits would only pretend to a precision it does not have.
/// </summary>
public static class PodLogRequest
{
    /// <summary>What to ask for.</summary>
    public sealed record Query(string Container, bool Follow, int? TailLines, int? SinceSeconds, DateTimeOffset? SinceTime, long? LimitBytes = null);

    /// <summary>The response body stream; throws <see cref="HttpOperationException"/> for an error answer.</summary>
    public static async Task<Stream> OpenAsync(IKubernetes client, string ns, string pod, Query query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (client is not Kubernetes kubernetes)
        {
            throw new ArgumentException("The log stream needs the concrete Kubernetes client.", nameof(client));
        }

        var parameters = new List<string>
        {
            "container=" + Uri.EscapeDataString(query.Container),
            "timestamps=true",
        };
        if (query.Follow)
        {
            parameters.Add("follow=true");
        }

        if (query.TailLines is { } tail)
        {
            parameters.Add("tailLines=" + tail.ToString(CultureInfo.InvariantCulture));
        }

        if (query.LimitBytes is { } limit)
        {
            parameters.Add("limitBytes=" + limit.ToString(CultureInfo.InvariantCulture));
        }

        if (query.SinceTime is { } since)
        {
            parameters.Add("sinceTime=" + Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        }
        else if (query.SinceSeconds is { } seconds)
        {
            parameters.Add("sinceSeconds=" + seconds.ToString(CultureInfo.InvariantCulture));
        }

        var path = $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods/{Uri.EscapeDataString(pod)}/log?{string.Join('&', parameters)}";
        var baseUri = kubernetes.BaseUri.ToString().TrimEnd('/') + "/";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(baseUri), path));
        if (kubernetes.Credentials is not null)
        {
            await kubernetes.Credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        var response = await kubernetes.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadAsStreamAsync(cancellationToken);
        }

        using (response)
        {
            var content = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpOperationException($"Operation returned an invalid status code '{response.StatusCode}'")
            {
                Request = new HttpRequestMessageWrapper(request, null),
                Response = new HttpResponseMessageWrapper(response, content),
            };
        }
    }
}
