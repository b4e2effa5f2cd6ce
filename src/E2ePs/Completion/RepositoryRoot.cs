using System.Management.Automation;

namespace E2ePs.Completion;

/// <summary>
/// The repository a folder belongs to, so every cmdlet (and completer) works from any folder inside it:
/// the nearest folder, from the given one up, that holds the manifests (deploy/k8s) or is a git top
/// level (.git, a folder or, in a worktree or submodule, a file). For an ordinary repository that is
/// what git rev-parse --show-toplevel says, found without starting git on every command and tab press.
/// A folder inside no repository stands for itself.
/// </summary>
internal static class RepositoryRoot
{
    /// <summary>The root for a completer: -Path resolved by the provider, else the current location.</summary>
    public static string Resolve(string? path)
    {
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter("LiteralPath", path ?? ".").AddParameter("ErrorAction", "Ignore");
        var resolved = shell.Invoke<PathInfo>();
        var root = resolved.Count > 0 ? resolved[0].ProviderPath : Environment.CurrentDirectory;
        // A manifest path stands for its repository.
        return File.Exists(root) ? E2ePs.Naming.JobLayout.RepositoryRootOfManifest(root) : path is null ? Find(root) : root;
    }

    /// <summary>The repository root of <paramref name="folder"/>, or <paramref name="folder"/> itself when it is inside none.</summary>
    public static string Find(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        for (var current = new DirectoryInfo(folder); current is not null; current = current.Parent)
        {
            if (Directory.Exists(Path.Combine(current.FullName, E2ePs.Naming.JobLayout.ManifestFolder))
                || Path.Exists(Path.Combine(current.FullName, ".git")))
            {
                return current.FullName;
            }
        }

        return folder;
    }
}
