using System.Reflection;
using E2ePs.Contracts;

namespace E2ePs.Loading;

/// <summary>
/// Creates the engine once per process, from the private folder beside E2ePs.dll, and releases it when
/// the last runspace that imported E2ePs removes it. The engine is stateless apart from its per-session
/// cache of Kubernetes clients, so one instance serves every runspace.
/// </summary>
/// <remarks>
/// Without bin/engine E2ePs fails loudly (<see cref="EngineFolderMissing"/>) instead of loading the
/// engine into PowerShell's default context, where another module's YamlDotNet or KubernetesClient would
/// break it with a MissingMethodException deep inside a cmdlet, or the build's own copy would go unused
/// without anyone noticing. Only a host that ships E2ePs.Engine.dll beside E2ePs.dll and says so with the
/// AppContext switch <see cref="DefaultContextSwitch"/> gets the default context. An AppContext switch
/// rather than an environment variable: a host sets it in its own code or runtimeconfig.json, so it
/// cannot leak from a shell or a CI job's environment into a user's pwsh and hide a broken install.
/// </remarks>
public static class EngineHost
{
    /// <summary>Folder, relative to E2ePs.dll, that holds the engine and its dependencies.</summary>
    public const string PrivateFolderName = "engine";

    /// <summary>
    /// The AppContext switch with which a host that references E2ePs.Engine directly (beside E2ePs.dll)
    /// asks for the engine from the default load context instead of bin/engine.
    /// </summary>
    public const string DefaultContextSwitch = "E2ePs.Loading.EngineInDefaultContext";

    private const string EngineAssemblyName = "E2ePs.Engine";
    private const string EntryTypeName = "E2ePs.Engine.EngineEntry";

    private static readonly object s_gate = new();

    // The assembly stays for the life of the process: its context is not collectible, so a second import
    // after Remove-Module reuses it instead of loading a second copy of the engine and its dependencies.
    private static Assembly? s_engineAssembly;
    private static IE2eEngine? s_engine;
    private static int s_importCount;

    /// <summary>The engine instance, created on first use.</summary>
    public static IE2eEngine Engine
    {
        get
        {
            var engine = Volatile.Read(ref s_engine);
            if (engine is not null)
            {
                return engine;
            }

            lock (s_gate)
            {
                return s_engine ??= (IE2eEngine)Activator.CreateInstance(LoadEngineAssembly().GetType(EntryTypeName, throwOnError: true)!)!;
            }
        }
    }

    /// <summary>Whether an engine instance is alive in this process (Remove-Module by the last importer releases it).</summary>
    public static bool IsEngineCreated => Volatile.Read(ref s_engine) is not null;

    /// <summary>The folder the engine loads from: bin/engine beside E2ePs.dll.</summary>
    public static string PrivateFolder =>
        Path.Combine(Path.GetDirectoryName(typeof(EngineHost).Assembly.Location)!, PrivateFolderName);

    /// <summary>Called when a runspace imports E2ePs: checks that the engine is there, before any cmdlet runs.</summary>
    internal static void OnImport()
    {
        if (!UsesDefaultContext() && !File.Exists(Path.Combine(PrivateFolder, EngineAssemblyName + ".dll")))
        {
            throw EngineFolderMissing(PrivateFolder);
        }

        Interlocked.Increment(ref s_importCount);
    }

    /// <summary>
    /// Called when a runspace removes E2ePs. When no runspace has it imported any more, the engine is
    /// released (disposed when it is IDisposable: its cached Kubernetes clients and their connections);
    /// the next import creates a new one.
    /// </summary>
    internal static void OnRemove()
    {
        if (Interlocked.Decrement(ref s_importCount) > 0)
        {
            return;
        }

        IE2eEngine? released;
        lock (s_gate)
        {
            Interlocked.Exchange(ref s_importCount, 0);
            released = s_engine;
            s_engine = null;
        }

        (released as IDisposable)?.Dispose();
    }

    /// <summary>The error when bin/engine is missing: where it was looked for and how to make it.</summary>
    public static E2eException EngineFolderMissing(string privateFolder) => new(
        "EngineFolderMissing",
        E2eErrorCategory.ResourceUnavailable,
        privateFolder,
        $"E2ePs cannot load its engine: '{Path.Combine(privateFolder, EngineAssemblyName + ".dll")}' does not exist. " +
        "E2ePs loads the engine and its dependencies (KubernetesClient, YamlDotNet) from that folder into a private load context, so that other modules' copies cannot break it.")
    {
        RecommendedAction = "In a clone of the E2ePs repository, run ./build.ps1 (it publishes the engine into bin/engine), then import E2ePs again. " +
            "An installed module is incomplete: reinstall it (Install-PSResource E2ePs -Reinstall).",
    };

    private static bool UsesDefaultContext() =>
        AppContext.TryGetSwitch(DefaultContextSwitch, out var enabled) && enabled;

    private static Assembly LoadEngineAssembly()
    {
        if (s_engineAssembly is not null)
        {
            return s_engineAssembly;
        }

        var privateFolder = PrivateFolder;
        if (File.Exists(Path.Combine(privateFolder, EngineAssemblyName + ".dll")))
        {
            var context = new EngineLoadContext(privateFolder);
            s_engineAssembly = context.LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));
        }
        else if (UsesDefaultContext())
        {
            // A host that references the engine directly and opted in: it is beside E2ePs.dll.
            s_engineAssembly = Assembly.Load(new AssemblyName(EngineAssemblyName));
        }
        else
        {
            throw EngineFolderMissing(privateFolder);
        }

        return s_engineAssembly;
    }
}
