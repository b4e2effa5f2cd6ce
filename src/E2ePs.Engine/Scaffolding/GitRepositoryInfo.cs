using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Scaffolding;

/// <summary>
/// Reads the origin URL and current branch of a repository with the git command line, found on the
/// environment's PATH and run through the process runner; turns a remote into a URL the cluster can clone.
/// </summary>
public sealed partial class GitRepositoryInfo(IProcessRunner runner, IProcessEnvironment environment)
{
    /// <summary>The origin's fetch URL as the cluster can clone it, or null when there is none.</summary>
    public string? OriginUrl(string repositoryRoot)
    {
        var url = OriginRemote(repositoryRoot);
        return url is null ? null : ToCloneUrl(url);
    }

    /// <summary>The origin's fetch URL as git has it, credentials included: never write it anywhere.</summary>
    public string? OriginRemote(string repositoryRoot) => RunGit(repositoryRoot, "config", "--get", "remote.origin.url");

    /// <summary>The current branch, or null when HEAD is detached or this is no git repository.</summary>
    public string? CurrentBranch(string repositoryRoot)
    {
        // symbolic-ref also answers in a repository without commits, where rev-parse fails.
        return RunGit(repositoryRoot, "symbolic-ref", "--quiet", "--short", "HEAD");
    }

    /// <summary>
    /// An URL the init container can clone without keys: scp-style SSH remotes become HTTPS, ssh://
    /// becomes https://, and every credential is dropped (user information of any scheme, and query or
    /// fragment parameters named like a credential), so a token in a remote URL never reaches a manifest.
    /// </summary>
    public static string ToCloneUrl(string url) => ToCloneUrl(url, out _);

    /// <summary>As <see cref="ToCloneUrl(string)"/>; <paramref name="credentialsRemoved"/> says whether anything was dropped.</summary>
    public static string ToCloneUrl(string url, out bool credentialsRemoved)
    {
        ArgumentNullException.ThrowIfNull(url);
        credentialsRemoved = false;
        url = url.Trim();
        string result;
        var withScheme = SchemeStyle().Match(url);
        var scp = ScpStyle().Match(url);
        if (withScheme.Success)
        {
            // Split by hand rather than with System.Uri: Uri refuses URLs that git accepts (a port that
            // is no number, an unknown scheme) and would hand them back unchanged, user information included.
            var scheme = withScheme.Groups["scheme"].Value.ToLowerInvariant();
            var rest = withScheme.Groups["rest"].Value;
            var authorityEnd = rest.IndexOfAny(['/', '?', '#']);
            var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
            var tail = authorityEnd < 0 ? "" : rest[authorityEnd..];
            var at = authority.LastIndexOf('@');
            if (at >= 0)
            {
                // "ssh://git@host" names the SSH user, no secret; anything else before '@' may be one
                // (a password after ':', or a token as the user name, as GitHub accepts).
                credentialsRemoved = authority[..at].Contains(':', StringComparison.Ordinal) || scheme is not ("ssh" or "git+ssh" or "ssh+git");
                authority = authority[(at + 1)..];
            }

            if (scheme is "ssh" or "git+ssh" or "ssh+git")
            {
                scheme = "https";
                authority = PortSuffix().Replace(authority, "");
            }

            result = $"{scheme}://{authority}{tail}";
        }
        else if (scp.Success)
        {
            credentialsRemoved = scp.Groups["user"].Value.Contains(':', StringComparison.Ordinal);
            var firstSegment = scp.Groups["path"].Value.Split('/')[0];
            if (firstSegment.Contains('@', StringComparison.Ordinal))
            {
                // "user:token@host" without a path: git would read "token@host" as the path. Whatever
                // was meant, part of it is a credential; refuse rather than guess.
                throw new E2eException("RepositoryUrlHasCredentials", E2eErrorCategory.InvalidArgument, scp.Groups["host"].Value + ":…",
                    "The repository URL looks like 'user:password@host' and cannot be read as a git URL without writing part of the password into the manifest.")
                {
                    RecommendedAction = "Pass -Repository as https://host/org/repo.git, without credentials, and give the credentials with -GitCredentialSecret.",
                };
            }

            result = $"https://{scp.Groups["host"].Value}/{scp.Groups["path"].Value}";
        }
        else
        {
            // A local path (/srv/git/repo.git, ../repo): nothing to strip but a query, if any.
            result = url;
        }

        var withoutSecrets = WithoutCredentialParameters(result);
        credentialsRemoved |= !ReferenceEquals(withoutSecrets, result);
        return withoutSecrets;
    }

    /// <summary>Whether a query or fragment parameter name is one a credential travels in.</summary>
    public static bool IsCredentialParameter(string name)
    {
        var decoded = Uri.UnescapeDataString(name.Replace('+', ' ')).ToLowerInvariant();
        return s_credentialParameterParts.Any(part => decoded.Contains(part, StringComparison.Ordinal));
    }

    private static readonly string[] s_credentialParameterParts =
        ["token", "password", "passwd", "pwd", "pass", "secret", "key", "sig", "auth", "credential", "session", "code"];

    private static string WithoutCredentialParameters(string url)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var fragment = url.IndexOf('#', StringComparison.Ordinal);
        if (query < 0 && fragment < 0)
        {
            return url;
        }

        if (query > fragment && fragment >= 0)
        {
            query = -1; // a '?' inside the fragment is part of the fragment
        }

        var pathEnd = query >= 0 ? query : fragment;
        var path = url[..pathEnd];
        var queryText = query < 0 ? "" : (fragment < 0 ? url[(query + 1)..] : url[(query + 1)..fragment]);
        var fragmentText = fragment < 0 ? "" : url[(fragment + 1)..];
        var keptQuery = Filter(queryText);
        var keptFragment = Filter(fragmentText);
        if (keptQuery == queryText && keptFragment == fragmentText)
        {
            return url;
        }

        return path + (keptQuery.Length > 0 ? "?" + keptQuery : "") + (keptFragment.Length > 0 ? "#" + keptFragment : "");

        static string Filter(string parameters) =>
            parameters.Length == 0
                ? parameters
                : string.Join('&', parameters.Split('&', ';').Where(p => p.Length > 0 && !IsCredentialParameter(p.Split('=')[0])));
    }

    // git's trimmed stdout when it succeeds with some, else null (no git, no repository, no such value).
    private string? RunGit(string workingDirectory, params string[] arguments)
    {
        var git = ExecutableLookup.Find("git", environment.SearchPath);
        if (git is null)
        {
            // git is not installed: the caller asks for -Repository and -Branch instead.
            return null;
        }

        var output = new List<string>();
        try
        {
            var command = new ProcessCommand(git, arguments) { WorkingDirectory = workingDirectory };
            // A local read of the repository's own files: it ends on its own, with nothing to cancel.
            var result = runner.RunAsync(command, (line, isError) =>
            {
                if (!isError)
                {
                    lock (output)
                    {
                        output.Add(line);
                    }
                }
            }, CancellationToken.None).GetAwaiter().GetResult();
            string text;
            lock (output)
            {
                text = string.Join('\n', output).Trim();
            }

            return result.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (ProcessNotStartedException)
        {
            return null;
        }
    }

    // git's own rule (connect.c, parse_connect_url): "host:path" is scp-like when no '/' comes before the
    // first ':'; the user part may hold anything but '/' (a password included, which is dropped).
    [GeneratedRegex(@"^(?:(?<user>[^/]*)@)?(?<host>\[[^\]/]+\]|[^:/\[]+):(?<path>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ScpStyle();

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex SchemeStyle();

    [GeneratedRegex(@":[0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PortSuffix();
}
