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
    private string _prefix = "";

    /// <summary>Sets the line's prefix; true when it is the first line of another container than the line before.</summary>
    public bool Mark(E2eLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var started = !string.Equals(line.Pod, _pod, StringComparison.Ordinal) || !string.Equals(line.Container, _container, StringComparison.Ordinal);
        if (started)
        {
            _pod = line.Pod;
            _container = line.Container;
            _prefix = prefixed ? E2eLogLine.PrefixOf(line.Pod, line.Container) : "";
        }

        line.Prefix = _prefix;
        return started;
    }
}
