using System.Runtime.InteropServices;

namespace E2ePs.Hosting;

/// <summary>
/// For scripts run with <c>pwsh -File</c> (module/Invoke-E2eJob.ps1): makes SIGTERM stop the running
/// pipeline the way Ctrl+C (SIGINT) does, so that the cmdlets cancel their work and the script's
/// <c>finally</c> runs. Without it .NET ends the process at once on SIGTERM (exit code 143), with no
/// cmdlet stopped and no engine process told.
/// </summary>
public static class TerminationSignal
{
    private const int SigInt = 2;

    private static readonly object s_gate = new();
    private static PosixSignalRegistration? s_registration;
    private static int s_received;

    /// <summary>Whether a SIGTERM arrived since <see cref="StopPipelineOnSigterm"/>.</summary>
    public static bool Received => Volatile.Read(ref s_received) > 0;

    /// <summary>
    /// From now on the first SIGTERM is turned into a SIGINT to this process, which PowerShell's console
    /// host handles as Ctrl+C; a second SIGTERM ends the process as .NET does by default. Does nothing on
    /// Windows, which has no SIGTERM.
    /// </summary>
    public static void StopPipelineOnSigterm()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        lock (s_gate)
        {
            s_registration ??= PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                if (Interlocked.Increment(ref s_received) == 1)
                {
                    context.Cancel = true;
                    _ = NativeMethods.Kill(Environment.ProcessId, SigInt);
                }
            });
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}
