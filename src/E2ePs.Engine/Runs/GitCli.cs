using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Runs;

/// <summary>git's answer: its exit code, its stdout lines and its last stderr lines (for messages).</summary>
public sealed record GitAnswer(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)
{
    /// <summary>Whether git exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>The first line of stdout, trimmed, or null.</summary>
    public string? FirstLine => Output.Count > 0 && Output[0].Trim().Length > 0 ? Output[0].Trim() : null;
}

/// <summary>
/// Runs the git command line (found on the environment's PATH) through the engine's process runner, for
/// the read-only questions Start-E2eJob asks a repository. Each call has a time limit, since
/// <c>git ls-remote</c> talks to a server that may not answer.
/// </summary>
public sealed class GitCli(IProcessRunner runner, IProcessEnvironment environment)
{
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(30);

    /// <summary>Whether git is on PATH.</summary>
    public bool IsInstalled => ExecutableLookup.Find("git", environment.SearchPath) is not null;

    /// <summary>
    /// Runs git in <paramref name="folder"/>; null when git is not installed, cannot start or did not
    /// answer within its time limit.
    /// </summary>
    public async Task<GitAnswer?> RunAsync(string folder, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var git = ExecutableLookup.Find("git", environment.SearchPath);
        if (git is null)
        {
            return null;
        }

        var output = new List<string>();
        var errors = new List<string>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(s_timeLimit);
        try
        {
            // -c credential.interactive=never and a closed stdin: git never waits on a prompt.
            var command = new ProcessCommand(git, ["-c", "credential.interactive=never", .. arguments]) { WorkingDirectory = folder };
            var result = await runner.RunAsync(command, (line, isError) =>
            {
                var list = isError ? errors : output;
                lock (list)
                {
                    list.Add(line);
                }
            }, limit.Token);
            lock (output)
            {
                lock (errors)
                {
                    return new GitAnswer(result.ExitCode, [.. output], [.. errors.TakeLast(5)]);
                }
            }
        }
        catch (ProcessNotStartedException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
