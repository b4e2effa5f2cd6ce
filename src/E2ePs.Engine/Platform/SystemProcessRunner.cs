using System.ComponentModel;
using System.Diagnostics;

namespace E2ePs.Engine.Platform;

/// <summary>
/// Runs programs as child processes of this one. On Linux each leads a session of its own (setsid(1)):
/// a cancellation then reaches every process it started (<see cref="ProcessSessions"/>), and Ctrl+C on a
/// terminal reaches PowerShell only, which stops the program itself.
/// </summary>
public sealed class SystemProcessRunner(IProcessEnvironment environment) : IProcessRunner
{
    /// <summary>How long a cancelled program has between SIGTERM and SIGKILL to end its work.</summary>
    public static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(5);

    private readonly ProcessSessions _sessions = new(environment);

    /// <inheritdoc />
    public int TailLength => 25;

    /// <inheritdoc />
    public async Task<ProcessResult> RunAsync(ProcessCommand command, Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(onLine);
        cancellationToken.ThrowIfCancellationRequested();
        using var process = Start(command);
        // setsid(1) execs the program in place (a child of .NET never leads a process group, so it need
        // not fork): the program's process id is its session id.
        var session = _sessions.Launcher is not null ? process.Id : 0;
        if (session != 0)
        {
            _sessions.Track(session);
        }

        try
        {
            process.StandardInput.Close();
            var tail = new OutputTail(TailLength, onLine);
            await WaitAsync(process, session, tail, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            return new ProcessResult(process.ExitCode, tail.Lines());
        }
        finally
        {
            if (session != 0)
            {
                _sessions.Untrack(session);
            }
        }
    }

    private Process Start(ProcessCommand command)
    {
        var launcher = _sessions.Launcher;
        if (launcher is not null && !ExecutableLookup.IsExecutable(command.FileName))
        {
            throw new ProcessNotStartedException(command.FileName, new Win32Exception(13, "Permission denied or no such file").Message);
        }

        var start = new ProcessStartInfo(launcher ?? command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The program must never wait for an answer on a terminal (a login prompt): it gets none.
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        if (command.WorkingDirectory is not null)
        {
            start.WorkingDirectory = command.WorkingDirectory;
        }

        if (launcher is not null)
        {
            start.ArgumentList.Add(command.FileName);
        }

        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
            return process;
        }
        catch (Win32Exception error)
        {
            process.Dispose();
            throw new ProcessNotStartedException(command.FileName, error.Message, error);
        }
    }

    private static async Task WaitAsync(Process process, int session, OutputTail tail, CancellationToken cancellationToken)
    {
        var output = PumpAsync(process.StandardOutput, false, tail.Receive);
        var errors = PumpAsync(process.StandardError, true, tail.Receive);
        Task stopped = Task.CompletedTask;
        using (cancellationToken.Register(() => stopped = session != 0 ? ProcessSessions.StopAsync(session, StopGracePeriod) : Kill(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None);
            // The program is gone; what it started may still be ending (or being killed).
            await stopped;
            // A child that escaped the kill could hold the pipes open; never wait for it forever.
            await Task.WhenAny(Task.WhenAll(output, errors), Task.Delay(cancellationToken.IsCancellationRequested ? 2000 : Timeout.Infinite, CancellationToken.None));
        }

        await stopped;
    }

    private static async Task PumpAsync(StreamReader reader, bool isError, Action<string, bool> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line, isError);
        }
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

    // The last lines, kept for an error message, while every line goes on to the caller as it comes.
    private sealed class OutputTail(int length, Action<string, bool> onLine)
    {
        private readonly Queue<string> _lines = new();

        public void Receive(string line, bool isError)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                if (_lines.Count > length)
                {
                    _lines.Dequeue();
                }
            }

            onLine(line, isError);
        }

        public IReadOnlyList<string> Lines()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }
}
