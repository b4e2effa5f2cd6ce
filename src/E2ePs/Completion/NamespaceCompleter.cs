using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Contracts;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>
/// Completes -Namespace with the namespaces of the cluster of -Kubeconfig and -Context, when it
/// answers within two seconds, and with the namespaces the repository's job manifests name (all of them
/// when the cluster cannot be reached). E2EPS_COMPLETION_TIMEOUT (seconds) changes the budget.
/// </summary>
public sealed class NamespaceCompleter : IArgumentCompleter
{
    internal static TimeSpan Budget =>
        double.TryParse(Environment.GetEnvironmentVariable("E2EPS_COMPLETION_TIMEOUT"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(2);

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
            using var budget = new CancellationTokenSource(Budget);
            names = EngineHost.Engine.Cluster.ListNamespacesAsync(target, budget.Token).WaitAsync(budget.Token).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is E2eException or OperationCanceledException or HttpRequestException or IOException or InvalidOperationException)
        {
            names = [];
        }

        return CompletionResults.StartingWith(names.Concat(ManifestNamespaces(fakeBoundParameters["Path"] as string)).Distinct(StringComparer.Ordinal), wordToComplete, "namespace");
    }

    private static IEnumerable<string> ManifestNamespaces(string? path)
    {
        var root = RepositoryRoot.Resolve(path);
        return EngineHost.Engine.Catalog.Find(root, [])
            .Select(r => r.Job?.Namespace)
            .OfType<string>()
            .Where(ns => ns.Length > 0)
            .Order(StringComparer.Ordinal);
    }
}
