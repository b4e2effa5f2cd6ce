using E2ePs.Models;

namespace E2ePs.LogOutput;

/// <summary>
/// Which container each line of a read comes from: when several are read, every line gets the prefix of its
/// container, as kubectl logs --prefix writes it ("[pod/&lt;pod&gt;/&lt;container&gt;] "), one string per
/// container shared by all its lines; when one is read (-Container), none, so the text is the container's log.
/// </summary>
public sealed class LogSections(bool prefixed)
{
    private string? _pod;
    private string? _container;

    /// <summary>The prefix of the lines of the container seen last.</summary>
    public string Prefix { get; private set; } = "";

    /// <summary>Sets the line's prefix; true when it is the first line of another container than the line before.</summary>
    public bool Mark(E2eLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var started = Mark(line.Pod, line.Container);
        line.Prefix = Prefix;
        return started;
    }

    /// <summary>Makes <see cref="Prefix"/> that of the container; true when it is another container than the one before.</summary>
    public bool Mark(string pod, string container)
    {
        var started = !string.Equals(pod, _pod, StringComparison.Ordinal) || !string.Equals(container, _container, StringComparison.Ordinal);
        if (started)
        {
            _pod = pod;
            _container = container;
            Prefix = prefixed ? E2eLogLine.PrefixOf(pod, container) : "";
        }

        return started;
    }
}
