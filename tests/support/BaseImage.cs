namespace E2ePs.TestSupport;

/// <summary>
/// Makes a tiny base image without a network: a root file system with /bin/busybox and links to its
/// applets, committed with buildah (or built FROM scratch with podman) and pushed to a local registry.
/// </summary>
public static class BaseImage
{
    /// <summary>The busybox applets linked into /bin.</summary>
    public static IReadOnlyList<string> Applets { get; } = ["sh", "echo", "cat", "ls", "sleep", "true", "false", "mkdir", "cp", "rm", "env", "test"];

    /// <summary>Path of a statically linked busybox: BUSYBOX_BIN, else /bin/busybox.</summary>
    public static string? FindBusybox() =>
        new[] { Environment.GetEnvironmentVariable("BUSYBOX_BIN"), "/bin/busybox", "/usr/bin/busybox" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    /// <summary>Creates <paramref name="reference"/> in <paramref name="storage"/> and pushes it (plain HTTP).</summary>
    public static void Create(ContainerStorage storage, string reference)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var busybox = FindBusybox() ?? throw new InvalidOperationException("busybox is not installed (apt-get install busybox-static).");
        var work = Directory.CreateTempSubdirectory("test-base-image-").FullName;
        try
        {
            var rootfs = Path.Combine(work, "rootfs");
            var bin = Path.Combine(rootfs, "bin");
            Directory.CreateDirectory(bin);
            Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));
            File.Copy(busybox, Path.Combine(bin, "busybox"));
            foreach (var applet in Applets)
            {
                File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
            }

            string engine;
            if (Tools.Find("buildah") is not null)
            {
                engine = "buildah";
                var container = storage.Run(engine, "from", "scratch").EnsureSuccess().Output.Trim();
                storage.Run(engine, "copy", container, rootfs, "/").EnsureSuccess();
                storage.Run(engine, "config", "--cmd", "/bin/sh", "--env", "PATH=/bin", container).EnsureSuccess();
                storage.Run(engine, "commit", "--rm", container, reference).EnsureSuccess();
            }
            else
            {
                engine = "podman";
                File.WriteAllText(Path.Combine(work, "Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\nCMD [\"/bin/sh\"]\n");
                storage.Run(engine, ["build", .. ContainerStorage.BuildArguments, "-t", reference, work]).EnsureSuccess();
            }

            storage.Run(engine, "push", "--tls-verify=false", reference).EnsureSuccess();
        }
        finally
        {
            Tools.DeleteFolder(work);
        }
    }
}
