using System.Diagnostics;
using System.Globalization;
using System.Text;
using E2ePs.KubeEmulator.Logs;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>How a container process ended: its exit code, and for a command that never started, the runtime's message.</summary>
internal sealed record ContainerExit(int ExitCode, string? StartError);

/// <summary>
/// One running container: <c>setsid buildah run --isolation chroot ...</c>, so the container and buildah's helper
/// processes form a process group of their own. stdout and stderr go into the container's log line by line as they
/// arrive. Stopping sends SIGTERM to the container's first process (what the runtime does to PID 1), then SIGKILL to
/// the whole group once the grace period is over; after the process ends, what is left of the group is killed, as a
/// container's PID namespace would be torn down.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private const string StartFailure = "process failed to start with error: ";

    private readonly Process _process;
    private readonly ContainerLog _log;
    private readonly Task<ContainerExit> _exit;
    private string? _startError;
    private int _killScheduled;

    private ContainerProcess(Process process, ContainerLog log)
    {
        _process = process;
        _log = log;
        _process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput.BaseStream, isError: false);
        var stderr = PumpAsync(process.StandardError.BaseStream, isError: true);
        _exit = WaitAsync(stdout, stderr);
    }

    public int Pid => _process.Id;

    /// <summary>Completes when the process has ended and its output is in the log.</summary>
    public Task<ContainerExit> Exited => _exit;

    public static ContainerProcess Start(BuildahCli buildah, string workingContainer, RunSpec spec, string hostname, ContainerLog log)
    {
        var arguments = new List<string> { "run", "--isolation", "chroot", "--hostname", hostname };
        foreach (var m in spec.Mounts)
        {
            arguments.Add("--volume");
            arguments.Add($"{m.HostPath}:{m.ContainerPath}{(m.ReadOnly ? ":ro" : "")}");
        }

        if (spec.User is not null)
        {
            arguments.Add("--user");
            arguments.Add(spec.User);
        }

        if (spec.WorkingDir is not null)
        {
            arguments.Add("--workingdir");
            arguments.Add(spec.WorkingDir);
        }

        foreach (var (name, value) in spec.Env)
        {
            arguments.Add("--env");
            arguments.Add(name + "=" + value);
        }

        arguments.Add(workingContainer);
        arguments.Add("--");
        arguments.AddRange(spec.Argv);
        var start = buildah.StartInfo("setsid", [buildah.Program], arguments);
        var process = Process.Start(start) ?? throw new InvalidOperationException("setsid buildah run did not start");
        return new ContainerProcess(process, log);
    }

    private async Task PumpAsync(Stream stream, bool isError)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                if (pending.Length > 0)
                {
                    pending.Write(buffer, start, i + 1 - start);
                    Emit(pending.ToArray(), isError);
                    pending.SetLength(0);
                }
                else
                {
                    Emit(buffer.AsSpan(start, i + 1 - start).ToArray(), isError);
                }

                start = i + 1;
            }

            pending.Write(buffer, start, read - start);
        }

        if (pending.Length > 0)
        {
            Emit(pending.ToArray(), isError);
        }
    }

    private void Emit(byte[] line, bool isError)
    {
        if (isError)
        {
            var text = Encoding.UTF8.GetString(line).TrimEnd('\n');
            if (text.StartsWith(StartFailure, StringComparison.Ordinal))
            {
                // buildah's own report that exec failed, with its trailers run together on one line.
                var message = text[StartFailure.Length..];
                var end = message.IndexOf("process exited with error", StringComparison.Ordinal);
                _startError = end > 0 ? message[..end] : message;
                return;
            }

            if (IsTrailer(text))
            {
                return;
            }
        }

        _log.Append(line);
    }

    /// <summary>The lines buildah itself writes on stderr when the command ends; they are not the container's output.</summary>
    private static bool IsTrailer(string text) =>
        (text.StartsWith("subprocess exited with status ", StringComparison.Ordinal) && int.TryParse(text["subprocess exited with status ".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        || (text.StartsWith("Error: exit status ", StringComparison.Ordinal) && int.TryParse(text["Error: exit status ".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        || text.StartsWith("subprocess exited on ", StringComparison.Ordinal);

    private async Task<ContainerExit> WaitAsync(Task stdout, Task stderr)
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        // Orphans (a background job of the container's shell) would keep the pipes open: the group goes with the container.
        _ = NativeMethods.Kill(-_process.Id, NativeMethods.SigKill);
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        return _startError is not null ? new ContainerExit(128, _startError.Trim()) : new ContainerExit(_process.ExitCode, null);
    }

    /// <summary>SIGTERM to the container's first process now, SIGKILL to the group after <paramref name="grace"/>.</summary>
    public void Stop(TimeSpan grace)
    {
        if (_exit.IsCompleted)
        {
            return;
        }

        var main = ContainerMainPid();
        if (main is not null && grace > TimeSpan.Zero)
        {
            _ = NativeMethods.Kill(main.Value, NativeMethods.SigTerm);
        }
        else
        {
            grace = TimeSpan.Zero;
        }

        if (Interlocked.Exchange(ref _killScheduled, 1) == 0)
        {
            _ = Task.Delay(grace).ContinueWith(_ => Kill(), TaskScheduler.Default);
        }
    }

    public void Kill()
    {
        if (!_exit.IsCompleted)
        {
            _ = NativeMethods.Kill(-_process.Id, NativeMethods.SigKill);
        }
    }

    /// <summary>
    /// The container's first process: the child of buildah's "buildah-chroot-exec" helper in this process group.
    /// Null while buildah is still setting the container up.
    /// </summary>
    private int? ContainerMainPid()
    {
        var group = _process.Id;
        var members = new List<(int Pid, int Parent)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[2], CultureInfo.InvariantCulture) == group)
                {
                    members.Add((pid, int.Parse(fields[1], CultureInfo.InvariantCulture)));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone meanwhile.
            }
        }

        foreach (var (pid, parent) in members)
        {
            if (ArgvZero(parent) == "buildah-chroot-exec")
            {
                return pid;
            }
        }

        return null;
    }

    private static string? ArgvZero(int pid)
    {
        try
        {
            var cmdline = File.ReadAllBytes($"/proc/{pid}/cmdline");
            var end = Array.IndexOf(cmdline, (byte)0);
            return Encoding.UTF8.GetString(cmdline, 0, end < 0 ? cmdline.Length : end);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
