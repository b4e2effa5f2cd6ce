namespace E2ePs.TestSupport;

/// <summary>
/// A private containers/storage for podman and buildah (vfs driver, root and runroot in a temporary
/// folder), so test runs never touch the machine's images or each other's. Deleted on dispose.
/// </summary>
public sealed class ContainerStorage : IDisposable
{
    /// <summary>Creates the folders.</summary>
    public ContainerStorage()
    {
        // podman refuses a runroot longer than 50 characters: keep the path short.
        Folder = Directory.CreateTempSubdirectory("ts-").FullName;
        Root = Path.Combine(Folder, "root");
        RunRoot = Path.Combine(Folder, "runroot");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(RunRoot);
    }

    /// <summary>The temporary folder that holds everything.</summary>
    public string Folder { get; }

    /// <summary>--root.</summary>
    public string Root { get; }

    /// <summary>--runroot.</summary>
    public string RunRoot { get; }

    /// <summary>Global options of podman and buildah that select this storage.</summary>
    public IReadOnlyList<string> GlobalArguments => ["--storage-driver", "vfs", "--root", Root, "--runroot", RunRoot];

    /// <summary>Build options that work without a container runtime's privileges (no network namespaces, no cgroups).</summary>
    public static IReadOnlyList<string> BuildArguments => ["--isolation", "chroot"];

    /// <summary>Runs podman or buildah against this storage.</summary>
    public ToolResult Run(string engine, params string[] arguments) =>
        Tools.Run(engine, [.. GlobalArguments, .. arguments]);

    /// <summary>Whether the engine's store has an image of that name or id.</summary>
    public bool HasImage(string engine, string reference) =>
        engine == "podman"
            ? Run("podman", "image", "exists", reference).ExitCode == 0
            : Run("buildah", "inspect", "--type", "image", reference).ExitCode == 0;

    /// <summary>The ids of the working containers of builds in this storage, sorted.</summary>
    public IReadOnlyList<string> WorkingContainers(string engine) =>
        (engine == "podman"
            ? Run("podman", "ps", "--all", "--external", "--no-trunc", "--format", "{{.ID}}")
            : Run("buildah", "containers", "--quiet", "--notruncate"))
        .EnsureSuccess().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();

    /// <summary>The id of the image a reference names, or null.</summary>
    public string? ImageId(string engine, string reference)
    {
        var result = engine == "podman"
            ? Run("podman", "image", "inspect", "--format", "{{.Id}}", reference)
            : Run("buildah", "inspect", "--type", "image", "--format", "{{.FromImageID}}", reference);
        return result.ExitCode == 0 ? result.Output.Trim() : null;
    }

    /// <inheritdoc />
    public void Dispose() => Tools.DeleteFolder(Folder);
}
