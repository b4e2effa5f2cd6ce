namespace E2ePs.Engine.Cluster;

/// <summary>
/// Retries answers that say "try again": 429 Too Many Requests and 5xx, with exponential backoff and
/// jitter, honouring Retry-After. A 401 is retried once with refreshed credentials when
/// <see cref="UnauthorizedRecovery"/> has any (an exec plugin run again). Other answers (400, 403, 404,
/// 409, 410, 422) are final and pass through. What to retry and how long to wait is
/// <see cref="RetryPolicy"/>'s decision; this handler only supplies the clock and the randomness and does
/// the waiting.
/// </summary>
public sealed class RetryHandler(UnauthorizedRecovery? unauthorized = null) : DelegatingHandler
{
    /// <summary>Retries before the last answer is returned as it is.</summary>
    public const int MaxRetries = RetryPolicy.MaxRetries;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var reauthenticated = false;
        for (var attempt = 0; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized && unauthorized is not null)
            {
                if (reauthenticated)
                {
                    unauthorized.RefusedAgain();
                    return response;
                }

                reauthenticated = true;
                var header = unauthorized.Refresh(request.Headers.Authorization, cancellationToken);
                if (header is null)
                {
                    return response;
                }

                response.Dispose();
                request.Headers.Authorization = header;
                continue;
            }

#pragma warning disable CA5394 // Jitter spreads retries of many clients; it needs no cryptographic randomness.
            var decision = RetryPolicy.Decide(response.StatusCode, response.Headers.RetryAfter, attempt, DateTimeOffset.UtcNow, Random.Shared.NextDouble());
#pragma warning restore CA5394
            if (!decision.Retry)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(decision.Delay, cancellationToken);
        }
    }
}
