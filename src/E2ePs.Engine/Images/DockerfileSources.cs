using System.Text;
using System.Text.Json;

namespace E2ePs.Engine.Images;

/// <summary>The sources of a Dockerfile's COPY and ADD instructions: what the build takes from its context.</summary>
public static class DockerfileSources
{
    /// <summary>
    /// The sources of every COPY and ADD that reads the build context, in order, as written. COPY --from
    /// (another stage or image) reads no context and is left out; ADD of a URL yields the URL.
    /// </summary>
    public static IReadOnlyList<string> Parse(string dockerfile)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var sources = new List<string>();
        foreach (var instruction in Instructions(dockerfile))
        {
            var space = instruction.IndexOfAny([' ', '\t']);
            if (space < 0)
            {
                continue;
            }

            var keyword = instruction[..space].ToUpperInvariant();
            if (keyword is not ("COPY" or "ADD"))
            {
                continue;
            }

            var rest = instruction[space..].Trim();
            var flags = new List<string>();
            while (rest.StartsWith("--", StringComparison.Ordinal))
            {
                var end = rest.IndexOfAny([' ', '\t']);
                flags.Add(end < 0 ? rest : rest[..end]);
                rest = end < 0 ? "" : rest[end..].TrimStart();
            }

            if (flags.Any(f => f.StartsWith("--from", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var arguments = rest.StartsWith('[') ? JsonArguments(rest) : Words(rest);
            if (arguments.Count >= 2 && !arguments[0].StartsWith("<<", StringComparison.Ordinal))
            {
                sources.AddRange(arguments.Take(arguments.Count - 1));
            }
        }

        return sources;
    }

    /// <summary>The instructions of a Dockerfile, with continuation lines joined and comments removed.</summary>
    public static IEnumerable<string> Instructions(string dockerfile)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var escape = '\\';
        var current = new StringBuilder();
        var first = true;
        foreach (var raw in dockerfile.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            var trimmed = line.TrimStart();
            if (first && trimmed.StartsWith("# escape=", StringComparison.OrdinalIgnoreCase) && trimmed.Length > 9)
            {
                escape = trimmed[9];
            }

            first = false;
            if (trimmed.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith(escape))
            {
                current.Append(line, 0, line.Length - 1).Append(' ');
                continue;
            }

            current.Append(line);
            var instruction = current.ToString().Trim();
            current.Clear();
            if (instruction.Length > 0)
            {
                yield return instruction;
            }
        }

        if (current.Length > 0 && current.ToString().Trim() is { Length: > 0 } last)
        {
            yield return last;
        }
    }

    private static List<string> JsonArguments(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(text) ?? [];
        }
        catch (JsonException)
        {
            return Words(text);
        }
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
