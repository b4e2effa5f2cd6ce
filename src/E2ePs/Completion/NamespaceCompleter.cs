using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Contracts;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>Completes -Namespace with the namespaces of the cluster of -Kubeconfig and -Context.</summary>
public sealed class NamespaceCompleter : IArgumentCompleter
{
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        var target = new ClusterTarget
        {
            Kubeconfig = fakeBoundParameters["Kubeconfig"] as string,
            Context = fakeBoundParameters["Context"] as string,
        };
        IReadOnlyList<string> names;
        try
        {
            // Tab completion must never hang the prompt on an unreachable cluster.
            using var budget = new CancellationTokenSource(s_budget);
            names = EngineHost.Engine.Cluster.ListNamespacesAsync(target, budget.Token).WaitAsync(budget.Token).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is E2eException or OperationCanceledException or HttpRequestException or IOException or InvalidOperationException)
        {
            return [];
        }

        return CompletionResults.StartingWith(names, wordToComplete, "namespace");
    }
}
