namespace E2ePs.Engine.Platform;

/// <summary>A program to run: its path and arguments, and the folder it runs in (the current one when null).</summary>
public sealed record ProcessCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The working directory, or null for the current one.</summary>
    public string? WorkingDirectory { get; init; }
}

/// <summary>The exit code of a program and the last lines it wrote (stdout and stderr interleaved).</summary>
public sealed record ProcessResult(int ExitCode, IReadOnlyList<string> Tail);

/// <summary>The program could not be started at all (not found, not executable).</summary>
public sealed class ProcessNotStartedException(string fileName, string reason, Exception? inner = null)
    : Exception($"Could not start '{fileName}': {reason}", inner)
{
    /// <summary>The program that was not started.</summary>
    public string FileName { get; } = fileName;

    /// <summary>Why, as the system said it.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Starts the programs the engine drives (git, podman, docker, buildah): the one way the engine runs a
/// process. Output is handed over a line at a time as it is written; cancelling the token stops the
/// program and everything it started.
/// </summary>
public interface IProcessRunner
{
    /// <summary>How many of the last lines <see cref="ProcessResult.Tail"/> keeps.</summary>
    int TailLength { get; }

    /// <summary>
    /// Runs <paramref name="command"/> with stdin closed; <paramref name="onLine"/> gets each line and
    /// whether it came from stderr, possibly from two threads. Throws <see cref="ProcessNotStartedException"/>
    /// when the program cannot start, and <see cref="OperationCanceledException"/> once a cancelled
    /// program and all it started are gone.
    /// </summary>
    Task<ProcessResult> RunAsync(ProcessCommand command, Action<string, bool> onLine, CancellationToken cancellationToken);
}
