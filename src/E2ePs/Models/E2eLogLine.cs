namespace E2ePs.Models;

/// <summary>One line of a container's log, as Get-E2eLog writes it.</summary>
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

    /// <summary>"pod/container": the format view starts a new section when it changes.</summary>
    public string Source => $"{Pod}/{Container}";

    /// <summary>
    /// True on the first line of a container when Get-E2eLog reads several (no -Container): the format
    /// view writes a "==> pod/container &lt;==" line before it.
    /// </summary>
    public bool SectionStart { get; set; }

    /// <inheritdoc />
    public override string ToString() => Message;
}
