using System.Reflection;
using E2ePs.Contracts;

namespace E2ePs.Loading;

/// <summary>
/// Creates the engine once per process, from the private folder beside E2ePs.dll. The engine is
/// stateless apart from its per-session cache of Kubernetes clients, so one instance serves every runspace.
/// </summary>
public static class EngineHost
{
    /// <summary>Folder, relative to E2ePs.dll, that holds the engine and its dependencies.</summary>
    public const string PrivateFolderName = "engine";

    private const string EngineAssemblyName = "E2ePs.Engine";
    private const string EntryTypeName = "E2ePs.Engine.EngineEntry";

    private static readonly Lazy<IE2eEngine> s_engine = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The engine instance.</summary>
    public static IE2eEngine Engine => s_engine.Value;

    private static IE2eEngine Create()
    {
        var ownFolder = System.IO.Path.GetDirectoryName(typeof(EngineHost).Assembly.Location)!;
        var privateFolder = System.IO.Path.Combine(ownFolder, PrivateFolderName);
        Assembly engineAssembly;
        if (File.Exists(System.IO.Path.Combine(privateFolder, EngineAssemblyName + ".dll")))
        {
            var context = new EngineLoadContext(privateFolder);
            engineAssembly = context.LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));
        }
        else
        {
            // Test hosts and tools that reference the engine directly have it beside E2ePs.dll.
            engineAssembly = Assembly.Load(new AssemblyName(EngineAssemblyName));
        }

        var entryType = engineAssembly.GetType(EntryTypeName, throwOnError: true)!;
        return (IE2eEngine)Activator.CreateInstance(entryType)!;
    }
}
