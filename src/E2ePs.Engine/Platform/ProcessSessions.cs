using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace E2ePs.Engine.Platform;

/// <summary>
/// Stops a program together with everything it started. On Linux the program runs in a session of its
/// own (started through setsid(1)), so every process of a build, the RUN step's shell and its children
/// included, keeps the program's session id even after its parent died and it was reparented to PID 1,
/// which Process.Kill(entireProcessTree: true) cannot follow: it walks parent links, and buildah's
/// chroot runtime dies with buildah before the walk reaches the RUN step's processes.
/// </summary>
public sealed class ProcessSessions
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private static readonly string[] s_launcherPlaces = ["/usr/bin/setsid", "/bin/setsid"];

    // The sessions that still run, stopped if PowerShell exits under them (SIGTERM, exit).
    private readonly ConcurrentDictionary<int, byte> _live = new();

    /// <summary>Finds setsid(1) in the usual places, then on the environment's PATH.</summary>
    public ProcessSessions(IProcessEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Launcher = OperatingSystem.IsLinux()
            ? s_launcherPlaces.FirstOrDefault(File.Exists) ?? ExecutableLookup.Find("setsid", environment.SearchPath)
            : null;
        // SIGTERM only: the engines end their builds and remove their containers on their own.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var session in _live.Keys)
            {
                Signal(session, SigTerm);
            }
        };
    }

    /// <summary>setsid(1), when this system has it (Linux); null elsewhere.</summary>
    public string? Launcher { get; }

    /// <summary>Remembers a session that runs, for the process-exit stop.</summary>
    public void Track(int session) => _live.TryAdd(session, 0);

    /// <summary>Forgets a session that ended.</summary>
    public void Untrack(int session) => _live.TryRemove(session, out _);

    /// <summary>
    /// SIGTERM to every process of the session, up to <paramref name="grace"/> for them to end (the
    /// engine removes its working container), then SIGKILL to whatever is left, until none is.
    /// </summary>
    public static async Task StopAsync(int session, TimeSpan grace)
    {
        Signal(session, SigTerm);
        var clock = Stopwatch.StartNew();
        while (Members(session).Count > 0 && clock.Elapsed < grace)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        for (var round = 0; round < 50 && Members(session).Count > 0; round++)
        {
            Signal(session, SigKill);
            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>The live (not zombie) processes whose session is <paramref name="session"/>, read from /proc.</summary>
    public static IReadOnlyList<int> Members(int session)
    {
        var members = new List<int>();
        if (!Directory.Exists("/proc"))
        {
            return members;
        }

        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                continue; // It ended while we looked.
            }

            if (TryParseStat(stat, out var state, out var sid) && sid == session && state != 'Z' && state != 'X')
            {
                members.Add(pid);
            }
        }

        return members;
    }

    /// <summary>
    /// Reads the state and the session id from a /proc/[pid]/stat line: "pid (comm) state ppid pgrp
    /// session ...", where comm may itself hold spaces and parentheses (proc(5)).
    /// </summary>
    public static bool TryParseStat(string stat, out char state, out int session)
    {
        ArgumentNullException.ThrowIfNull(stat);
        state = '\0';
        session = 0;
        var end = stat.LastIndexOf(')');
        if (end < 0)
        {
            return false;
        }

        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 4 || fields[0].Length != 1)
        {
            return false;
        }

        state = fields[0][0];
        return int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out session);
    }

    private static void Signal(int session, int signal)
    {
        // The process group first (setsid made the program its leader), then each member of the
        // session, which also reaches a process that moved to a group of its own.
        _ = NativeMethods.Kill(-session, signal);
        foreach (var pid in Members(session))
        {
            _ = NativeMethods.Kill(pid, signal);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}
