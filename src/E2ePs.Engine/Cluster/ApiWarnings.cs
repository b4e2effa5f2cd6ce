using System.Text;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// The API server's warnings (the HTTP <c>Warning</c> header, RFC 7234 section 5.5, which Kubernetes sends as
/// <c>299 - "text"</c>: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/filters/warning.go). Pod Security
/// admission warns this way when a Job's pod template would be rejected ("would violate PodSecurity ..."), and so do
/// deprecated APIs. KubernetesClient drops them; <see cref="WarningHeaderHandler"/> reads each response's and hands them to the
/// sink of the work that made the request (an <see cref="AsyncLocal{T}"/>, so concurrent Starts each get their own).
/// </summary>
public static class ApiWarnings
{
    private static readonly AsyncLocal<Action<string>?> s_sink = new();

    /// <summary>Sends the warnings of every request made under the returned scope (on this async flow) to <paramref name="sink"/>.</summary>
    public static IDisposable Capture(Action<string> sink)
    {
        var previous = s_sink.Value;
        s_sink.Value = sink;
        return new Scope(previous);
    }

    /// <summary>Hands warnings to the current sink, if any.</summary>
    internal static void Report(IEnumerable<string> warnings)
    {
        if (s_sink.Value is { } sink)
        {
            foreach (var warning in warnings)
            {
                sink(warning);
            }
        }
    }

    /// <summary>
    /// The texts of one or more Warning header values ("299 - \"a\", 299 - \"b\""): warn-code, warn-agent, a quoted text with
    /// backslash escapes, an optional quoted date. A value that does not parse is returned whole rather than lost.
    /// </summary>
    public static List<string> Parse(string headerValue)
    {
        ArgumentNullException.ThrowIfNull(headerValue);
        var texts = new List<string>();
        var i = 0;
        while (i < headerValue.Length)
        {
            while (i < headerValue.Length && (headerValue[i] is ' ' or ','))
            {
                i++;
            }

            if (i >= headerValue.Length)
            {
                break;
            }

            var start = i;
            var quote = headerValue.IndexOf('"', i);
            var comma = headerValue.IndexOf(',', i);
            if (quote < 0 || (comma >= 0 && comma < quote))
            {
                // No quoted text before the next value: keep what is there.
                var end = comma < 0 ? headerValue.Length : comma;
                texts.Add(headerValue[start..end].Trim());
                i = end;
                continue;
            }

            var text = new StringBuilder();
            i = quote + 1;
            while (i < headerValue.Length && headerValue[i] != '"')
            {
                if (headerValue[i] == '\\' && i + 1 < headerValue.Length)
                {
                    i++;
                }

                text.Append(headerValue[i]);
                i++;
            }

            texts.Add(text.ToString());
            i++;

            // An optional warn-date ("...") and the rest of this value.
            while (i < headerValue.Length && headerValue[i] != ',')
            {
                if (headerValue[i] == '"')
                {
                    var close = headerValue.IndexOf('"', i + 1);
                    i = close < 0 ? headerValue.Length : close + 1;
                    continue;
                }

                i++;
            }
        }

        return texts;
    }

    private sealed class Scope(Action<string>? previous) : IDisposable
    {
        public void Dispose() => s_sink.Value = previous;
    }
}

/// <summary>Reads the Warning headers of every answer and reports them to <see cref="ApiWarnings"/>; changes nothing.</summary>
public sealed class WarningHeaderHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.NonValidated.TryGetValues("Warning", out var values))
        {
            ApiWarnings.Report(values.SelectMany(ApiWarnings.Parse));
        }

        return response;
    }
}
