using System.Net;
using System.Net.Http.Headers;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Tests.Fixtures;

namespace E2ePs.Engine.Tests.Retries;

/// <summary>
/// The retry policy, <see cref="RetryPolicy.Decide"/>: whether an answer is sent again and after how long, from
/// its status code, its Retry-After header (seconds or an HTTP date, RFC 9110 section 10.2.3), the attempt, the
/// time and a jitter sample. The 429 answers are the recorded ones of Fixtures/statuses.json.
/// </summary>
public sealed class RetryPolicyTableTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 5, 10, 30, 0, TimeSpan.Zero);

    /// <summary>status, Retry-After, attempt, jitter → retried, delay in milliseconds.</summary>
    public static TheoryData<int, string?, int, double, bool, double> Rows => new()
    {
        // Retry-After in seconds is honoured, up to 8 s.
        { 429, "3", 0, 0.0, true, 3000 },
        { 429, "1", 5, 0.9, true, 1000 },
        { 429, "30", 0, 0.0, true, 8000 },
        { 503, "0", 0, 0.5, true, 0 },
        // Retry-After as a date: the time left, none when it has passed, at most 8 s.
        { 429, "Sat, 05 Dec 2026 10:30:05 GMT", 0, 0.0, true, 5000 },
        { 429, "Sat, 05 Dec 2026 10:29:00 GMT", 0, 0.0, true, 0 },
        { 503, "Sat, 05 Dec 2026 11:30:00 GMT", 0, 0.0, true, 8000 },
        // No Retry-After: 100 ms doubled per attempt, capped at 8 s, scaled into 50-100 % by the jitter.
        { 500, null, 0, 0.0, true, 50 },
        { 500, null, 0, 0.5, true, 75 },
        { 502, null, 1, 0.0, true, 100 },
        { 503, null, 3, 0.0, true, 400 },
        { 504, null, 5, 0.5, true, 2400 },
        { 429, null, 2, 0.0, true, 200 },
        { 501, null, 0, 0.0, true, 50 },
        // The last attempt's answer is final.
        { 503, null, 6, 0.0, false, 0 },
        { 429, "1", 6, 0.0, false, 0 },
        { 500, null, 9, 0.0, false, 0 },
        // Answers that a retry cannot change.
        { 400, null, 0, 0.0, false, 0 },
        { 401, null, 0, 0.0, false, 0 },
        { 403, null, 0, 0.0, false, 0 },
        { 404, null, 0, 0.0, false, 0 },
        { 409, null, 0, 0.0, false, 0 },
        { 410, null, 0, 0.0, false, 0 },
        { 422, null, 0, 0.0, false, 0 },
        { 409, "5", 0, 0.0, false, 0 },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_decision_follows_status_retry_after_and_attempt(int status, string? retryAfter, int attempt, double jitter, bool retry, double delayMs)
    {
        var decision = RetryPolicy.Decide((HttpStatusCode)status, retryAfter is null ? null : RetryConditionHeaderValue.Parse(retryAfter), attempt, s_now, jitter);

        Assert.Equal(new RetryDecision(retry, TimeSpan.FromMilliseconds(delayMs)), decision);
    }

    [Theory]
    [InlineData("too-many-requests-status", 3000)]
    [InlineData("too-many-requests-text", 1000)]
    public void The_recorded_429_answers_are_retried_after_what_they_ask(string answer, double delayMs)
    {
        var recorded = Recorded.Answer(answer);

        var decision = RetryPolicy.Decide(recorded.Code, RetryConditionHeaderValue.Parse(recorded.RetryAfter!), 0, s_now, 0.3);

        Assert.Equal(new RetryDecision(true, TimeSpan.FromMilliseconds(delayMs)), decision);
    }

    [Fact]
    public void Every_retryable_answer_waits_at_most_the_cap_and_the_jitter_keeps_the_upper_half()
    {
        for (var attempt = 0; attempt < RetryPolicy.MaxRetries; attempt++)
        {
            var low = RetryPolicy.Decide(HttpStatusCode.ServiceUnavailable, null, attempt, s_now, 0.0).Delay;
            var high = RetryPolicy.Decide(HttpStatusCode.ServiceUnavailable, null, attempt, s_now, 0.999999).Delay;
            Assert.True(low * 2 >= high - TimeSpan.FromMilliseconds(1) && high <= RetryPolicy.MaxDelay, $"attempt {attempt}: {low}..{high}");
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_jitter_outside_0_to_1_is_refused(double jitter) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Decide(HttpStatusCode.TooManyRequests, null, 0, s_now, jitter));
}
