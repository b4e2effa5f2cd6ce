namespace E2ePs.Engine.Logs;

/// <summary>
/// Whether a container's log, as the API serves it, lacks its beginning. The kubelet rotates a container's log file
/// at containerLogMaxSize (10 MiB by default, kubernetes/kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go;
/// pkg/kubelet/logs/container_log_manager.go) and every read opens the current file only (ReadLogs in
/// pkg/kubelet/kuberuntime/logs/logs.go), so after a rotation the first line served was written well after the
/// container started. The API says nothing else about rotation, so this is judged from the two times.
/// </summary>
public static class LogRotation
{
    /// <summary>
    /// How much later than the container's start its first served line may be and still be its first line. A
    /// runner prints at once; a container quiet for longer at its start is taken as rotated (a warning, never an
    /// error). Two seconds, not one: startedAt is in whole seconds (metav1.Time), so up to a second of the gap is
    /// the truncation.
    /// </summary>
    public static readonly TimeSpan QuietStart = TimeSpan.FromSeconds(2);

    /// <summary>
    /// True when the first line served (<paramref name="firstLineAt"/>) was written more than <see cref="QuietStart"/>
    /// after the container started (<paramref name="startedAt"/>); false when either is unknown. Only a read from
    /// the start of the log can tell: one with tailLines or sinceTime starts later on purpose.
    /// </summary>
    public static bool EarlierLinesGone(DateTimeOffset? startedAt, DateTimeOffset? firstLineAt) =>
        startedAt is { } started && firstLineAt is { } first && first - started > QuietStart;
}
