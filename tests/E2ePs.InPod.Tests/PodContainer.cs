using System.Diagnostics;
using System.Text;
using E2ePs.TestSupport;
using k8s.Models;

namespace E2ePs.InPod.Tests;

/// <summary>What a container left: its exit code and its log (stdout and stderr in one file, as the kubelet keeps it).</summary>
public sealed record ContainerExit(int ExitCode, string LogPath)
{
    /// <summary>The log's lines, split at '\n' only (a '\r' stays, as kubectl prints it).</summary>
    public IEnumerable<string> Lines()
    {
        using var reader = new StreamReader(LogPath, new UTF8Encoding(false));
        var line = new StringBuilder();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n')
            {
                yield return line.ToString();
                line.Clear();
            }
            else
            {
                line.Append((char)c);
            }
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    /// <summary>The whole log as text (small logs only).</summary>
    public string Text => File.ReadAllText(LogPath);
}

/// <summary>
/// Runs one container of a pod spec the way a kubelet would, with <c>buildah run --isolation chroot</c>:
/// the image, the container's command and args, its env values, working dir, the pod's (or the
/// container's) runAsUser and runAsGroup, and its volume mounts bound to host folders prepared by
/// <see cref="PodVolumes"/>. Not enforced here (buildah run has no switch for them): readOnlyRootFilesystem,
/// dropped capabilities beyond what a non-root user lacks anyway, seccomp, resource limits.
/// </summary>
public sealed class PodContainer(ContainerStorage storage)
{
    // buildah ends with its own lines on stderr after the container's output when the process fails;
    // they are buildah's, not the container's, so they are not part of the log.
    private static readonly string[] s_buildahTrailer = ["subprocess exited with status ", "Error: exit status "];

    /// <summary>Runs <paramref name="container"/> of <paramref name="pod"/> from <paramref name="image"/> and waits for it to end.</summary>
    public ContainerExit Run(V1PodSpec pod, V1Container container, string image, PodVolumes volumes, string logPath)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(volumes);
        // Pulled once and cached in the storage, as a kubelet pulls an image once per node.
        var working = storage.Run("buildah", "from", "--quiet", "--tls-verify=false", image).EnsureSuccess().Output.Trim();
        try
        {
            var arguments = new List<string>(storage.GlobalArguments) { "run", "--isolation", "chroot" };
            var user = container.SecurityContext?.RunAsUser ?? pod.SecurityContext?.RunAsUser;
            var group = container.SecurityContext?.RunAsGroup ?? pod.SecurityContext?.RunAsGroup;
            if (user is not null)
            {
                arguments.AddRange(["--user", group is null ? $"{user}" : $"{user}:{group}"]);
            }

            if (!string.IsNullOrEmpty(container.WorkingDir))
            {
                arguments.AddRange(["--workingdir", container.WorkingDir]);
            }

            foreach (var variable in container.Env ?? [])
            {
                if (variable.ValueFrom is not null)
                {
                    throw new NotSupportedException($"env {variable.Name} comes from {variable.ValueFrom}; these tests only set values.");
                }

                arguments.AddRange(["--env", $"{variable.Name}={variable.Value}"]);
            }

            foreach (var mount in container.VolumeMounts ?? [])
            {
                arguments.AddRange(["--volume", $"{volumes.HostFolder(mount.Name)}:{mount.MountPath}:{(mount.ReadOnlyProperty == true ? "ro" : "rw")}"]);
            }

            arguments.Add(working);
            arguments.Add("--");
            arguments.AddRange(container.Command ?? []);
            arguments.AddRange(container.Args ?? []);
            var exitCode = RunToLog(arguments, logPath);
            RemoveBuildahTrailer(logPath, exitCode);
            return new ContainerExit(exitCode, logPath);
        }
        finally
        {
            storage.Run("buildah", "rm", working);
        }
    }

    /// <summary>Runs buildah with stdout and stderr on one file descriptor, so lines keep the order they were written in.</summary>
    private static int RunToLog(IReadOnlyList<string> arguments, string logPath)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec buildah \"$@\" >\"$0\" 2>&1");
        start.ArgumentList.Add(logPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("buildah did not start.");
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"The container did not end within 15 minutes; its log is {logPath}.");
        }

        return process.ExitCode;
    }

    private static void RemoveBuildahTrailer(string logPath, int exitCode)
    {
        if (exitCode == 0)
        {
            return;
        }

        // Only the last few hundred bytes can hold the trailer; the log itself may be 50 MB.
        using var file = new FileStream(logPath, FileMode.Open, FileAccess.ReadWrite);
        var tailLength = (int)Math.Min(file.Length, 512);
        file.Seek(-tailLength, SeekOrigin.End);
        var tail = new byte[tailLength];
        file.ReadExactly(tail);
        var text = Encoding.UTF8.GetString(tail);
        var cut = text.Length;
        while (true)
        {
            var lineStart = text.LastIndexOf('\n', Math.Max(cut - 2, 0)) + 1;
            var line = text[lineStart..cut].TrimEnd('\n');
            if (cut == 0 || !s_buildahTrailer.Any(prefix => line.StartsWith(prefix, StringComparison.Ordinal)))
            {
                break;
            }

            cut = lineStart;
        }

        file.SetLength(file.Length - Encoding.UTF8.GetByteCount(text[cut..]));
    }
}
