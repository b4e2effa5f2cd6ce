using System.Text;
using System.Text.RegularExpressions;

namespace E2ePs.Engine.Images;

/// <summary>
/// The rules of a .dockerignore file: patterns with *, ?, ** and ! exceptions, the last matching
/// pattern deciding; a pattern that matches a folder excludes everything inside it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exception)> _rules;

    private DockerIgnore(List<(Regex Pattern, bool Exception)> rules) => _rules = rules;

    /// <summary>Rules that exclude nothing.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>
    /// The rules for a build: &lt;Dockerfile&gt;.dockerignore beside the Dockerfile when it exists
    /// (BuildKit, podman), else .dockerignore (or .containerignore) at the root of the context.
    /// </summary>
    public static DockerIgnore Load(string contextPath, string dockerfilePath)
    {
        foreach (var candidate in new[]
        {
            dockerfilePath + ".dockerignore",
            Path.Combine(contextPath, ".containerignore"),
            Path.Combine(contextPath, ".dockerignore"),
        })
        {
            if (File.Exists(candidate))
            {
                return Parse(File.ReadAllText(candidate));
            }
        }

        return Empty;
    }

    /// <summary>Parses the text of a .dockerignore file.</summary>
    public static DockerIgnore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<(Regex, bool)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exception = line.StartsWith('!');
            var pattern = Normalize(exception ? line[1..].Trim() : line);
            if (pattern.Length == 0)
            {
                continue;
            }

            rules.Add((new Regex(ToRegex(pattern), RegexOptions.CultureInvariant), exception));
        }

        return new DockerIgnore(rules);
    }

    /// <summary>Whether a path relative to the context (with / separators) is left out of the build.</summary>
    public bool IsExcluded(string relativePath)
    {
        if (_rules.Count == 0)
        {
            return false;
        }

        var path = Normalize(relativePath);
        var excluded = false;
        foreach (var (pattern, exception) in _rules)
        {
            if (MatchesSelfOrParent(pattern, path))
            {
                excluded = !exception;
            }
        }

        return excluded;
    }

    private static bool MatchesSelfOrParent(Regex pattern, string path)
    {
        if (pattern.IsMatch(path))
        {
            return true;
        }

        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (pattern.IsMatch(path[..slash]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A path with / separators, without a leading / or ./, without . segments.</summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        return string.Join('/', segments);
    }

    /// <summary>A glob (*, ?, [...], **) as an anchored regular expression over / separated paths.</summary>
    public static string ToRegex(string glob)
    {
        ArgumentNullException.ThrowIfNull(glob);
        var regex = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/')
                {
                    i++;
                    regex.Append("(?:.*/)?");
                }
                else
                {
                    regex.Append(".*");
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[')
            {
                var end = glob.IndexOf(']', i + 1);
                if (end < 0)
                {
                    regex.Append(@"\[");
                }
                else
                {
                    var set = glob[(i + 1)..end];
                    regex.Append('[').Append(set.StartsWith('^') || set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = end;
                }
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.Append('$').ToString();
    }
}
