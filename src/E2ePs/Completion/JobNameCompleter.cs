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
        var root = RepositoryRoot.Resolve(fakeBoundParameters["Path"] as string);
        return CompletionResults.StartingWith(EngineHost.Engine.Catalog.ListNames(root), wordToComplete, "E2E job");
    }
}
