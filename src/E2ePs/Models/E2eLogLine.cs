namespace E2ePs.Models;

/// <summary>
/// One line of a container's log, as Get-E2eLog writes it. Shown, it is its text alone (see
/// <see cref="ToString"/>), exactly as the container wrote it: PowerShell prints it the way it prints a
/// string, never wrapped, cut or padded (the type's adapter, E2ePs.LogOutput.LogLineAdapter, which Get-E2eLog
/// registers, gives it the type name System.String first; see docs/help/Get-E2eLog.md); the properties stay for filtering.
/// </summary>
public sealed class E2eLogLine
{
    /// <summary>Pod the line comes from.</summary>
    public string Pod { get; set; } = "";

    /// <summary>Container the line comes from.</summary>
    public string Container { get; set; } = "";

    /// <summary>Whether the container is an init container.</summary>
    public bool InitContainer { get; set; }

    /// <summary>When the container wrote the line, as the kubelet recorded it.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>The text of the line.</summary>
    public string Message { get; set; } = "";

    /// <summary>
    /// Set on the first line read of a container when the lines before it are gone: the kubelet serves only the
    /// container's current log file, and this one began after the container had started (the earlier files were
    /// rotated at containerLogMaxSize). Get-E2eLog warns when it sees it.
    /// </summary>
    public bool EarlierLinesRotated { get; set; }

    /// <summary>"pod/container".</summary>
    public string Source => $"{Pod}/{Container}";

    /// <summary>
    /// "[pod/&lt;pod&gt;/&lt;container&gt;] " when Get-E2eLog reads several containers (no -Container), as
    /// kubectl logs --prefix writes it; empty for one container. One string shared by every line of a
    /// container, so a line costs no allocation for it.
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>The line as shown and as Select-String matches it: <see cref="Prefix"/> and <see cref="Message"/>.</summary>
    public override string ToString() => Prefix.Length == 0 ? Message : string.Concat(Prefix, Message);

    /// <summary>The prefix kubectl logs --prefix gives the lines of a container: "[pod/&lt;pod&gt;/&lt;container&gt;] ".</summary>
    public static string PrefixOf(string pod, string container) => $"[pod/{pod}/{container}] ";
}
