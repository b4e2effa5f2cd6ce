using System.ComponentModel;
using System.Diagnostics;
using E2ePs.Contracts;

namespace E2ePs.Engine.Images;

/// <summary>The exit code of an engine command and the last lines it wrote.</summary>
public sealed record EngineProcessResult(int ExitCode, IReadOnlyList<string> Tail);

/// <summary>
/// Runs one engine command, handing each line of its output to a callback as soon as it is written,
/// and stops every process it started when the token is cancelled.
/// </summary>
public static class EngineProcess
{
    /// <summary>How many of the last lines are kept for an error message.</summary>
    public const int TailLength = 25;

    /// <summary>How long a cancelled engine has between SIGTERM and SIGKILL to end its build.</summary>
    public static TimeSpan StopGracePeriod { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Runs the command; <paramref name="onLine"/> may be called from two threads (stdout, stderr).</summary>
    public static async Task<EngineProcessResult> RunAsync(
        string fileName, IReadOnlyList<string> arguments, Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(onLine);
        cancellationToken.ThrowIfCancellationRequested();
        // On Linux the engine leads a session of its own: a cancellation can then reach every process of
        // the build, and Ctrl+C on a terminal reaches PowerShell only, which stops the engine itself.
        var launcher = ProcessSession.Launcher;
        if (launcher is not null && !IsExecutable(fileName))
        {
            throw NotStarted(fileName, new Win32Exception(13, "Permission denied or no such file"));
        }

        var start = new ProcessStartInfo(launcher ?? fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The engine must never wait for an answer on a terminal (a login prompt): it gets none.
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        if (launcher is not null)
        {
            start.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw NotStarted(fileName, error);
        }

        // setsid(1) execs the engine in place (a child of .NET never leads a process group, so it need
        // not fork): the engine's process id is its session id.
        var session = launcher is not null ? process.Id : 0;
        if (session != 0)
        {
            ProcessSession.Track(session);
        }

        process.StandardInput.Close();
        var tail = new Queue<string>();
        void Receive(string line, bool isError)
        {
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > TailLength)
                {
                    tail.Dequeue();
                }
            }

            onLine(line, isError);
        }

        var output = PumpAsync(process.StandardOutput, false, Receive);
        var errors = PumpAsync(process.StandardError, true, Receive);
        Task stopped = Task.CompletedTask;
        try
        {
            using (cancellationToken.Register(() => stopped = session != 0 ? ProcessSession.StopAsync(session, StopGracePeriod) : Kill(process)))
            {
                await process.WaitForExitAsync(CancellationToken.None);
                // The engine is gone; what it started may still be ending (or being killed).
                await stopped;
                // A child that escaped the kill could hold the pipes open; never wait for it forever.
                await Task.WhenAny(Task.WhenAll(output, errors), Task.Delay(cancellationToken.IsCancellationRequested ? 2000 : Timeout.Infinite, CancellationToken.None));
            }

            await stopped;
        }
        finally
        {
            if (session != 0)
            {
                ProcessSession.Untrack(session);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (tail)
        {
            return new EngineProcessResult(process.ExitCode, tail.ToList());
        }
    }

    private static async Task PumpAsync(StreamReader reader, bool isError, Action<string, bool> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line, isError);
        }
    }

    private static E2eException NotStarted(string fileName, Win32Exception error) =>
        new("ContainerEngineNotStarted", E2eErrorCategory.NotInstalled, fileName,
            $"Could not start '{fileName}': {error.Message}", error)
        {
            RecommendedAction = "Check that the engine is installed and executable, or pick another with -Engine.",
        };

    private static bool IsExecutable(string fileName)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(fileName))
        {
            return File.Exists(fileName);
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(fileName) & anyExecute) != 0;
    }

    private static Task Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // It exited between the check and the kill.
        }

        return Task.CompletedTask;
    }
}
