using System.Net;
using System.Net.Http.Headers;

namespace E2ePs.Engine.Cluster;

/// <summary>Whether to send a request again after an answer, and after how long.</summary>
/// <param name="Retry">True when the answer says "try again" and retries are left.</param>
/// <param name="Delay">How long to wait first; zero when <paramref name="Retry"/> is false.</param>
public readonly record struct RetryDecision(bool Retry, TimeSpan Delay);

/// <summary>
/// Decides from an answer's status code, its Retry-After header and the attempt whether to send the
/// request again: 429 Too Many Requests and 5xx are answers the API server gives when it is overloaded or
/// restarting (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go and the
/// priority-and-fairness filter send 429 with Retry-After). client-go's rest.Request retries the same codes
/// but only when they carry Retry-After (staging/src/k8s.io/client-go/rest/request.go, checkWait); E2ePs
/// retries them without it too, with exponential backoff, since a restarting API server or a proxy in
/// front of it answers 502 or 503 without one. Every other answer is final. Pure: the time and the random
/// jitter are inputs, so the decision is tested with tables (tests/E2ePs.Engine.Tests/Retries).
/// </summary>
public static class RetryPolicy
{
    /// <summary>Retries before the last answer is returned as it is.</summary>
    public const int MaxRetries = 6;

    /// <summary>The first backoff delay, doubled on each attempt.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>No wait is longer, whatever Retry-After asks: a cmdlet must stay responsive.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(8);

    /// <summary>Whether an answer with <paramref name="status"/> says "try again".</summary>
    public static bool IsRetryable(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>
    /// The decision after answer number <paramref name="attempt"/> (0 for the first) with
    /// <paramref name="status"/> and <paramref name="retryAfter"/>, at <paramref name="now"/>.
    /// <paramref name="jitter"/> is a number in [0, 1) that spreads the retries of many clients: the
    /// exponential delay is scaled into its upper half (50 % to 100 %). Retry-After, in seconds or as a
    /// date, is honoured as the server gives it, up to <see cref="MaxDelay"/>.
    /// </summary>
    public static RetryDecision Decide(HttpStatusCode status, RetryConditionHeaderValue? retryAfter, int attempt, DateTimeOffset now, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        if (jitter is < 0 or >= 1 || double.IsNaN(jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "The jitter is a number in [0, 1).");
        }

        if (attempt >= MaxRetries || !IsRetryable(status))
        {
            return new RetryDecision(false, TimeSpan.Zero);
        }

        if (retryAfter?.Delta is { } delta)
        {
            return new RetryDecision(true, Cap(delta));
        }

        if (retryAfter?.Date is { } date)
        {
            return new RetryDecision(true, Cap(date - now));
        }

        var exponential = FirstDelay * Math.Pow(2, attempt);
        return new RetryDecision(true, Cap(exponential) * (0.5 + (jitter / 2)));
    }

    private static TimeSpan Cap(TimeSpan delay) => delay <= TimeSpan.Zero ? TimeSpan.Zero : delay < MaxDelay ? delay : MaxDelay;
}
