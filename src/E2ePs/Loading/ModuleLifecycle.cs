using System.Management.Automation;

namespace E2ePs.Loading;

/// <summary>
/// PowerShell calls these when a runspace imports E2ePs and when it removes it (Remove-Module, or
/// Import-Module -Force, which removes first), as PSResourceGet's ModuleInitAndCleanup does for its
/// load context. Import checks that bin/engine is there, so a broken build or install fails at
/// Import-Module with EngineFolderMissing; removal by the last runspace releases the engine.
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <inheritdoc/>
    public void OnImport() => EngineHost.OnImport();

    /// <inheritdoc/>
    public void OnRemove(PSModuleInfo psModuleInfo) => EngineHost.OnRemove();
}
