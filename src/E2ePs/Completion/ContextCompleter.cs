using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>Completes -Context with the contexts of the kubeconfig in use.</summary>
public sealed class ContextCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        return CompletionResults.StartingWith(EngineHost.Engine.Cluster.ListContexts(fakeBoundParameters["Kubeconfig"] as string), wordToComplete, "context");
    }
}
