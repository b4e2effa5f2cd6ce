namespace E2ePs.Engine.Runs;

/// <summary>
/// What a run will check out: the exact commit Start-E2eJob resolved, or none (the init container then
/// clones the branch's tip, as before), and in that case why not, for -Verbose.
/// </summary>
/// <param name="Commit">The full 40-hex sha to check out, or null for the branch's tip.</param>
/// <param name="Remote">The git remote the commit was checked against, when one was chosen.</param>
/// <param name="Note">Why no commit was pinned, or how it was found; null when there is nothing to say.</param>
public sealed record CommitPin(string? Commit, string? Remote, string? Note)
{
    /// <summary>No commit pinned, for the reason given.</summary>
    public static CommitPin None(string note) => new(null, null, note);
}
