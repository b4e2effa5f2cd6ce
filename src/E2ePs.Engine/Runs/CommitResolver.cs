using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Scaffolding;

namespace E2ePs.Engine.Runs;

/// <summary>
/// Decides the exact commit a run checks out, so a run tests what was asked for even when the branch
/// moves between Start-E2eJob and the pod's clone. It reads the git repository that holds the job's
/// manifest: the remote whose URL is the manifest's GIT_REPOSITORY (else origin), the local HEAD, the
/// commit given with -Commit. A commit the remote does not have is refused before anything is created,
/// since the pod could never fetch it. Without git, a repository or a remote nothing is pinned and the
/// branch's tip is cloned, as before.
/// </summary>
public sealed partial class CommitResolver(GitCli git)
{
    /// <summary>
    /// The commit to pin for a job whose manifest is <paramref name="manifestPath"/>, cloned from
    /// <paramref name="repositoryUrl"/>. <paramref name="commit"/> is -Commit (a sha, short sha or ref);
    /// <paramref name="branch"/> is -Branch when given, whose remote tip is pinned when -Commit is not.
    /// </summary>
    public async Task<CommitPin> ResolveAsync(string manifestPath, string? repositoryUrl, string? commit, string? branch, CancellationToken cancellationToken)
    {
        var wanted = string.IsNullOrWhiteSpace(commit) ? null : commit.Trim();
        if (!git.IsInstalled)
        {
            return wanted is not null && IsFullSha(wanted)
                ? new CommitPin(wanted.ToLowerInvariant(), null, "git is not installed; the commit is taken as given.")
                : wanted is null ? CommitPin.None("git is not installed, so no commit was pinned")
                : throw CommitNotFound(wanted, "git is not installed, so only a full 40-character sha can be given");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath)) ?? ".";
        // One git process answers two questions: the repository's top folder (line 1, printed even when
        // HEAD has no commit yet) and the commit HEAD points at (line 2, absent in a repository without
        // commits). A Start pays a git process per question; this is the one every Start asks.
        var located = await git.RunAsync(folder, ["rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}"], cancellationToken);
        var top = located?.FirstLine;
        if (top is null)
        {
            return wanted is not null && IsFullSha(wanted)
                ? new CommitPin(wanted.ToLowerInvariant(), null, $"{folder} is not in a git repository; the commit is taken as given.")
                : wanted is null ? CommitPin.None($"{folder} is not in a git repository, so no commit was pinned")
                : throw CommitNotFound(wanted, $"{folder} is not in a git repository");
        }

        var remote = await ChooseRemoteAsync(top, repositoryUrl, cancellationToken);
        if (wanted is not null)
        {
            return await ResolveGivenAsync(top, remote, wanted, cancellationToken);
        }

        if (remote is null)
        {
            return CommitPin.None($"the repository {top} has no remote for {repositoryUrl ?? "the job's repository"} and no origin, so no commit was pinned");
        }

        if (!string.IsNullOrEmpty(branch))
        {
            // -Branch without -Commit: that branch as the remote has it now, so a later push does not change the run.
            var tip = await RemoteTipAsync(top, remote, branch, cancellationToken);
            return tip is null
                ? CommitPin.None($"the tip of branch {branch} on remote {remote} could not be read, so no commit was pinned")
                : new CommitPin(tip, remote, $"the tip of branch {branch} on remote {remote}");
        }

        var head = located!.Output.Count > 1 && located.Output[1].Trim().Length > 0 ? located.Output[1].Trim() : null;
        if (head is null)
        {
            return CommitPin.None($"the repository {top} has no commit yet, so no commit was pinned");
        }

        return await OnRemoteAsync(top, remote, head, cancellationToken) switch
        {
            true => new CommitPin(head, remote, $"the local HEAD, which remote {remote} has"),
            false => throw CommitNotOnRemote(head, remote, await CurrentBranchAsync(top, cancellationToken)),
            null => CommitPin.None($"remote {remote} could not be asked whether it has the local HEAD {head}, so no commit was pinned"),
        };
    }

    private async Task<CommitPin> ResolveGivenAsync(string top, string? remote, string wanted, CancellationToken cancellationToken)
    {
        var sha = (await git.RunAsync(top, ["rev-parse", "--verify", "--quiet", "--end-of-options", wanted + "^{commit}"], cancellationToken))?.FirstLine;
        if (sha is null)
        {
            // A full sha of a commit this clone has never fetched: the remote may well have it, and the
            // pod's fetch fails loudly with git's own message if it does not.
            return IsFullSha(wanted)
                ? new CommitPin(wanted.ToLowerInvariant(), remote, "a full sha not known locally, taken as given")
                : throw CommitNotFound(wanted, $"it names no commit in {top}");
        }

        if (remote is null)
        {
            return new CommitPin(sha, null, $"the repository {top} has no remote to check it against");
        }

        return await OnRemoteAsync(top, remote, sha, cancellationToken) switch
        {
            false => throw CommitNotOnRemote(sha, remote, await CurrentBranchAsync(top, cancellationToken)),
            null => new CommitPin(sha, remote, $"remote {remote} could not be asked whether it has it; taken as given"),
            true => new CommitPin(sha, remote, null),
        };
    }

    /// <summary>
    /// Whether <paramref name="remote"/> has <paramref name="sha"/>: true, false, or null when it cannot be told.
    /// Both answers count, checked in this order: contained in a remote-tracking branch of that remote
    /// (local and offline; it was on the remote at the last fetch or push, and a force-push that drops it
    /// is rare), then the tip of a ref the remote advertises now (git ls-remote: sees a push made from
    /// elsewhere since the last fetch, without fetching). A commit below a tip pushed after the last fetch
    /// is missed by both; fetching first would find it, but a Start must not change the user's repository.
    /// </summary>
    private async Task<bool?> OnRemoteAsync(string top, string remote, string sha, CancellationToken cancellationToken)
    {
        var tracking = await git.RunAsync(top, ["branch", "-r", "--contains", sha, "--list", remote + "/*"], cancellationToken);
        if (tracking is { Succeeded: true } && tracking.Output.Any(l => l.Trim().Length > 0))
        {
            return true;
        }

        var refs = await git.RunAsync(top, ["ls-remote", "--", remote], cancellationToken);
        if (refs is not { Succeeded: true })
        {
            return null;
        }

        return refs.Output.Any(l => l.StartsWith(sha, StringComparison.OrdinalIgnoreCase));
    }

    private async Task<string?> RemoteTipAsync(string top, string remote, string branch, CancellationToken cancellationToken)
    {
        var answer = await git.RunAsync(top, ["ls-remote", "--", remote, "refs/heads/" + branch], cancellationToken);
        var line = answer is { Succeeded: true } ? answer.FirstLine : null;
        var sha = line?.Split('\t', ' ')[0];
        return sha is not null && IsFullSha(sha) ? sha.ToLowerInvariant() : null;
    }

    private async Task<string?> ChooseRemoteAsync(string top, string? repositoryUrl, CancellationToken cancellationToken)
    {
        var answer = await git.RunAsync(top, ["config", "--get-regexp", @"^remote\..*\.url$"], cancellationToken);
        var remotes = (answer?.Output ?? [])
            .Select(l => l.Split(' ', 2))
            .Where(p => p.Length == 2 && p[0].StartsWith("remote.", StringComparison.Ordinal) && p[0].EndsWith(".url", StringComparison.Ordinal))
            .Select(p => (Name: p[0]["remote.".Length..^".url".Length], Url: p[1].Trim()))
            .ToList();
        if (repositoryUrl is not null)
        {
            var target = NormalizeUrl(repositoryUrl, top);
            foreach (var (name, url) in remotes)
            {
                if (NormalizeUrl(url, top) == target)
                {
                    return name;
                }
            }
        }

        return remotes.Any(r => r.Name == "origin") ? "origin" : null;
    }

    private async Task<string?> CurrentBranchAsync(string top, CancellationToken cancellationToken) =>
        (await git.RunAsync(top, ["symbolic-ref", "--quiet", "--short", "HEAD"], cancellationToken))?.FirstLine;

    /// <summary>
    /// One spelling for the URLs of one repository: https://host/org/repo, git@host:org/repo.git,
    /// ssh://git@host/org/repo.git/ all become host/org/repo (credentials dropped, host in lower case);
    /// a local path becomes its full path.
    /// </summary>
    public static string NormalizeUrl(string url, string? relativeTo = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = url.Trim();
        if (text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            text = text["file://".Length..];
        }

        if (text.StartsWith('/') || text.StartsWith('.') || Path.IsPathFullyQualified(text))
        {
            var full = Path.GetFullPath(text, relativeTo ?? Directory.GetCurrentDirectory());
            return TrimRepositorySuffix(full);
        }

        string clone;
        try
        {
            clone = GitRepositoryInfo.ToCloneUrl(text);
        }
        catch (E2eException)
        {
            clone = text;
        }

        var scheme = SchemePrefix().Match(clone);
        var rest = scheme.Success ? clone[scheme.Length..] : clone;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var host = (slash < 0 ? rest : rest[..slash]).ToLowerInvariant();
        var path = slash < 0 ? "" : rest[slash..];
        return TrimRepositorySuffix(host + path);
    }

    private static string TrimRepositorySuffix(string value)
    {
        value = value.TrimEnd('/');
        return value.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? value[..^4].TrimEnd('/') : value;
    }

    /// <summary>Whether <paramref name="value"/> is a full 40-hex SHA-1 object name.</summary>
    public static bool IsFullSha(string value) => FullSha().IsMatch(value);

    private static E2eException CommitNotOnRemote(string sha, string remote, string? branch) =>
        new("CommitNotOnRemote", E2eErrorCategory.InvalidOperation, sha,
            $"The commit {sha} is not on the remote '{remote}', so the cluster could not clone it. Nothing was created in the cluster.")
        {
            RecommendedAction = $"Push it (git push {remote} {branch ?? "<branch>"}), or pass -Commit with a commit that is pushed.",
        };

    private static E2eException CommitNotFound(string commit, string why) =>
        new("CommitNotFound", E2eErrorCategory.ObjectNotFound, commit,
            $"-Commit '{commit}' cannot be resolved: {why}. Nothing was created in the cluster.")
        {
            RecommendedAction = "Pass a full 40-character commit sha, or a branch, tag or short sha that the repository of the job has.",
        };

    [GeneratedRegex("^[0-9a-fA-F]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullSha();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*://", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePrefix();
}
