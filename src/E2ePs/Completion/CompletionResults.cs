using System.Management.Automation;

namespace E2ePs.Completion;

/// <summary>Builds completion results from candidate names.</summary>
internal static class CompletionResults
{
    public static IEnumerable<CompletionResult> StartingWith(IEnumerable<string> candidates, string? wordToComplete, string what)
    {
        var prefix = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var candidate in candidates)
        {
            if (candidate.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                var text = candidate.IndexOfAny([' ', '\'', '"', '$', '`']) >= 0 ? $"'{candidate.Replace("'", "''", StringComparison.Ordinal)}'" : candidate;
                yield return new CompletionResult(text, candidate, CompletionResultType.ParameterValue, $"{what} {candidate}");
            }
        }
    }
}
