using System.Diagnostics;
using System.Text.RegularExpressions;

namespace E2ePs.Engine.Scaffolding;

/// <summary>Reads the origin URL and current branch of a repository with the git command line.</summary>
public static partial class GitRepositoryInfo
{
    /// <summary>The origin's fetch URL as the cluster can clone it, or null when there is none.</summary>
    public static string? OriginUrl(string repositoryRoot)
    {
        var url = RunGit(repositoryRoot, "config", "--get", "remote.origin.url");
        return url is null ? null : ToCloneUrl(url);
    }

    /// <summary>The current branch, or null when HEAD is detached or this is no git repository.</summary>
    public static string? CurrentBranch(string repositoryRoot)
    {
        // symbolic-ref also answers in a repository without commits, where rev-parse fails.
        return RunGit(repositoryRoot, "symbolic-ref", "--quiet", "--short", "HEAD");
    }

    /// <summary>
    /// An URL the init container can clone without keys: scp-style SSH remotes become HTTPS, and any
    /// user information is dropped, so a token in a remote URL never reaches a manifest.
    /// </summary>
    public static string ToCloneUrl(string url)
    {
        var scp = ScpStyle().Match(url);
        if (scp.Success)
        {
            return $"https://{scp.Groups["host"].Value}/{scp.Groups["path"].Value}";
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == "ssh"))
        {
            var builder = new UriBuilder(uri) { UserName = "", Password = "" };
            if (uri.Scheme == "ssh")
            {
                builder.Scheme = Uri.UriSchemeHttps;
                builder.Port = -1;
            }

            return builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped);
        }

        return url;
    }

    private static string? RunGit(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // git is not installed: the caller asks for -Repository and -Branch instead.
            return null;
        }
    }

    [GeneratedRegex(@"^(?:[^@/]+@)?(?<host>[^:/]+):(?<path>[^/].*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ScpStyle();
}
