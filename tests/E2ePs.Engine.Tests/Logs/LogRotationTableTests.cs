using E2ePs.Engine.Logs;

namespace E2ePs.Engine.Tests.Logs;

/// <summary>
/// <see cref="LogRotation.EarlierLinesGone"/>: a container's startedAt as pod.status gives it (metav1.Time, whole seconds,
/// staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/time.go) against the first line's timestamp as the kubelet stamps
/// it (RFC 3339 with nanoseconds, pkg/kubelet/kuberuntime/logs/logs.go).
/// </summary>
public sealed class LogRotationTableTests
{
    private static readonly DateTimeOffset s_started = DateTimeOffset.Parse("2026-11-28T06:16:23Z", System.Globalization.CultureInfo.InvariantCulture);

    public static TheoryData<string, DateTimeOffset?, double?, bool> Rows => new()
    {
        { "the first line at once", s_started, 0.004, false },
        { "the first line in the second after a start truncated to its second", s_started, 1.9, false },
        { "a quiet start of two seconds is still the start", s_started, 2.0, false },
        { "the first line served comes minutes later: rotated", s_started, 180.5, true },
        { "just past the bound", s_started, 2.001, true },
        { "no startedAt (not started when listed)", null, 180.0, false },
        { "a line without a timestamp", s_started, null, false },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Earlier_lines_are_gone_when_the_first_line_came_long_after_the_start(string name, DateTimeOffset? startedAt, double? firstAfterSeconds, bool gone)
    {
        DateTimeOffset? first = firstAfterSeconds is { } s ? s_started.AddSeconds(s) : null;
        Assert.True(gone == LogRotation.EarlierLinesGone(startedAt, first), name);
    }
}
