using System.Net;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Retries answers that say "try again": 429 Too Many Requests and 5xx, with exponential backoff and
/// jitter, honouring Retry-After. Other answers (400, 401, 403, 404, 409, 422) are final and pass through.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    /// <summary>Retries before the last answer is returned as it is.</summary>
    public const int MaxRetries = 6;

    private static readonly TimeSpan s_firstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(8);

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (attempt >= MaxRetries || !IsRetryable(response.StatusCode))
            {
                return response;
            }

            var delay = Delay(response, attempt);
            response.Dispose();
            await Task.Delay(delay, cancellationToken);
        }
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan Delay(HttpResponseMessage response, int attempt)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < s_maxDelay ? delta : s_maxDelay;
        }

        if (retryAfter?.Date is { } date)
        {
            var until = date - DateTimeOffset.UtcNow;
            return until <= TimeSpan.Zero ? TimeSpan.Zero : until < s_maxDelay ? until : s_maxDelay;
        }

        var exponential = s_firstDelay * Math.Pow(2, attempt);
        var capped = exponential < s_maxDelay ? exponential : s_maxDelay;
#pragma warning disable CA5394 // Jitter spreads retries of many clients; it needs no cryptographic randomness.
        return capped * (0.5 + (Random.Shared.NextDouble() / 2));
#pragma warning restore CA5394
    }
}
