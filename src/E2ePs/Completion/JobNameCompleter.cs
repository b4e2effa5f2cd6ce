using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>Completes -Name with the jobs of the repository at -Path, or at the current location.</summary>
public sealed class JobNameCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        string root;
        using (var shell = PowerShell.Create(RunspaceMode.CurrentRunspace))
        {
            var path = fakeBoundParameters["Path"] as string;
            shell.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter("LiteralPath", path ?? ".");
            var resolved = shell.Invoke<PathInfo>();
            root = resolved.Count > 0 ? resolved[0].ProviderPath : Environment.CurrentDirectory;
        }

        return CompletionResults.StartingWith(EngineHost.Engine.Catalog.ListNames(root), wordToComplete, "E2E job");
    }
}
