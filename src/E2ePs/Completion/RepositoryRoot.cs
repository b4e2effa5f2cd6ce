using System.Management.Automation;

namespace E2ePs.Completion;

/// <summary>The repository root a completer reads jobs from: -Path resolved by the provider, else the current location.</summary>
internal static class RepositoryRoot
{
    public static string Resolve(string? path)
    {
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter("LiteralPath", path ?? ".").AddParameter("ErrorAction", "Ignore");
        var resolved = shell.Invoke<PathInfo>();
        var root = resolved.Count > 0 ? resolved[0].ProviderPath : Environment.CurrentDirectory;
        // A manifest path stands for its repository.
        return File.Exists(root) ? E2ePs.Naming.JobLayout.RepositoryRootOfManifest(root) : root;
    }
}
