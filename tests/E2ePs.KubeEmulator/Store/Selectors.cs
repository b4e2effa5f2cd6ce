using E2ePs.KubeEmulator.Http;

namespace E2ePs.KubeEmulator.Store;

/// <summary>Label selectors (=, ==, !=, in, notin, exists, !key) and field selectors (=, ==, !=) as the API server parses them.</summary>
internal sealed class Selector
{
    private readonly List<Func<StoredObject, bool>> _terms = [];

    public static readonly Selector Everything = new();

    public bool IsEmpty => _terms.Count == 0;

    public bool Matches(StoredObject o)
    {
        foreach (var t in _terms)
        {
            if (!t(o))
            {
                return false;
            }
        }

        return true;
    }

    public Selector And(Selector other)
    {
        var combined = new Selector();
        combined._terms.AddRange(_terms);
        combined._terms.AddRange(other._terms);
        return combined;
    }

    public static Selector ParseLabels(string? text)
    {
        var selector = new Selector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                continue;
            }

            var inIndex = IndexOfWord(term, " in ");
            var notInIndex = IndexOfWord(term, " notin ");
            if (notInIndex > 0)
            {
                var key = term[..notInIndex].Trim();
                var values = SetValues(term[(notInIndex + 7)..]);
                selector._terms.Add(o => !o.Labels.TryGetValue(key, out var v) || !values.Contains(v));
            }
            else if (inIndex > 0)
            {
                var key = term[..inIndex].Trim();
                var values = SetValues(term[(inIndex + 4)..]);
                selector._terms.Add(o => o.Labels.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if (term.Contains("!=", StringComparison.Ordinal))
            {
                var (key, value) = Split(term, "!=");
                selector._terms.Add(o => !o.Labels.TryGetValue(key, out var v) || v != value);
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var (key, value) = Split(term, term.Contains("==", StringComparison.Ordinal) ? "==" : "=");
                selector._terms.Add(o => o.Labels.TryGetValue(key, out var v) && v == value);
            }
            else if (term.StartsWith('!'))
            {
                var key = term[1..].Trim();
                selector._terms.Add(o => !o.Labels.ContainsKey(key));
            }
            else
            {
                ValidateKey(term);
                selector._terms.Add(o => o.Labels.ContainsKey(term));
            }
        }

        return selector;
    }

    /// <summary>A field selector; with <paramref name="kind"/>, only the labels that kind supports (400 otherwise, <see cref="FieldLabels"/>).</summary>
    public static Selector ParseFields(string? text, string? kind = null)
    {
        var selector = new Selector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                continue;
            }

            var negate = term.Contains("!=", StringComparison.Ordinal);
            var (key, value) = Split(term, negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=");
            if (key.Length == 0)
            {
                throw ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            if (kind is not null)
            {
                FieldLabels.Check(kind, key);
                key = FieldLabels.Canonical(key);
            }

            selector._terms.Add(o => (FieldValue(o, key) == value) != negate);
        }

        return selector;
    }

    /// <summary>metadata.namespace of a cluster-scoped object is "", other absent fields too.</summary>
    private static string FieldValue(StoredObject o, string key) => key switch
    {
        "metadata.name" => o.Name,
        "metadata.namespace" => o.Namespace ?? "",
        _ => o.GetString(key) ?? "",
    };

    private static (string Key, string Value) Split(string term, string op)
    {
        var i = term.IndexOf(op, StringComparison.Ordinal);
        if (i <= 0)
        {
            throw ApiError.BadRequest($"unable to parse requirement: {term}");
        }

        return (term[..i].Trim(), term[(i + op.Length)..].Trim());
    }

    private static int IndexOfWord(string term, string word) => term.IndexOf(word, StringComparison.Ordinal);

    private static HashSet<string> SetValues(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith('(') || !t.EndsWith(')'))
        {
            throw ApiError.BadRequest($"unable to parse requirement: found '{t}', expected: '('");
        }

        return t[1..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    private static void ValidateKey(string key)
    {
        if (key.Contains(' ', StringComparison.Ordinal) || key.Contains('(', StringComparison.Ordinal))
        {
            throw ApiError.BadRequest($"unable to parse requirement: invalid label key \"{key}\"");
        }
    }

    /// <summary>Splits on commas that are not inside "( … )" sets.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
