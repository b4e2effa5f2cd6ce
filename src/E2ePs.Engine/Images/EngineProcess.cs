using System.ComponentModel;
using System.Diagnostics;
using E2ePs.Contracts;

namespace E2ePs.Engine.Images;

/// <summary>The exit code of an engine command and the last lines it wrote.</summary>
public sealed record EngineProcessResult(int ExitCode, IReadOnlyList<string> Tail);

/// <summary>
/// Runs one engine command, handing each line of its output to a callback as soon as it is written,
/// and kills the whole process tree when the token is cancelled.
/// </summary>
public static class EngineProcess
{
    /// <summary>How many of the last lines are kept for an error message.</summary>
    public const int TailLength = 25;

    /// <summary>Runs the command; <paramref name="onLine"/> may be called from two threads (stdout, stderr).</summary>
    public static async Task<EngineProcessResult> RunAsync(
        string fileName, IReadOnlyList<string> arguments, Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(onLine);
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The engine must never wait for an answer on a terminal (a login prompt): it gets none.
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
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
            throw new E2eException("ContainerEngineNotStarted", E2eErrorCategory.NotInstalled, fileName,
                $"Could not start '{fileName}': {error.Message}", error)
            {
                RecommendedAction = "Check that the engine is installed and executable, or pick another with -Engine.",
            };
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
        using (cancellationToken.Register(() => Kill(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None);
            // A child that escaped the kill could hold the pipes open; never wait for it forever.
            await Task.WhenAny(Task.WhenAll(output, errors), Task.Delay(cancellationToken.IsCancellationRequested ? 2000 : Timeout.Infinite, CancellationToken.None));
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

    private static void Kill(Process process)
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
    }
}
