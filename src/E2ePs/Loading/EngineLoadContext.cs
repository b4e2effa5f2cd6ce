using System.Reflection;
using System.Runtime.Loader;

namespace E2ePs.Loading;

/// <summary>
/// The private load context of the engine and its dependencies (KubernetesClient, YamlDotNet, Fractions).
/// A module that loaded another YamlDotNet into PowerShell's default context first (powershell-yaml and
/// Az.Aks ship an old one) cannot break E2ePs, and E2ePs cannot break it: each sees its own copy.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    private readonly string _privateFolder;

    public EngineLoadContext(string privateFolder)
        : base("E2ePs.Engine", isCollectible: false)
    {
        _privateFolder = privateFolder;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // E2ePs.dll itself must come from the default context: the engine implements its interfaces
        // and returns its output types, and PowerShell only knows the default context's copy.
        if (string.Equals(assemblyName.Name, typeof(EngineLoadContext).Assembly.GetName().Name, StringComparison.Ordinal))
        {
            return null;
        }

        var candidate = System.IO.Path.Combine(_privateFolder, assemblyName.Name + ".dll");
        // Anything not shipped privately (the framework) falls back to the default context.
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var candidate = System.IO.Path.Combine(_privateFolder, unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }
}
