using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Contracts;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>
/// Completes Get-E2eLog -Container with the containers of the job's pod, init containers first
/// (clone-repo, then test-runner), read from the manifest of -Name in the repository at -Path or
/// the current location; with no -Name, those of every job. With a -Name, the containers of that
/// Job's pods in the cluster (a sidecar a webhook added) follow, when the cluster answers within the
/// budget of <see cref="NamespaceCompleter"/> (two seconds, E2EPS_COMPLETION_TIMEOUT).
/// </summary>
public sealed class ContainerCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        var root = RepositoryRoot.Resolve(fakeBoundParameters["Path"] as string);
        var name = fakeBoundParameters["Name"] as string;
        var names = string.IsNullOrEmpty(name)
            ? EngineHost.Engine.Catalog.ListNames(root)
            : [E2ePs.Naming.JobLayout.ShortName(name) ?? name];
        var containers = names
            .SelectMany(n => EngineHost.Engine.Catalog.ListContainers(Path.Combine(root, E2ePs.Naming.JobLayout.ManifestFile(n))))
            .Distinct(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(name))
        {
            containers = containers.Concat(LiveContainers(names[0], root, fakeBoundParameters)).Distinct(StringComparer.Ordinal);
        }

        return CompletionResults.StartingWith(containers, wordToComplete, "container");
    }

    private static IReadOnlyList<string> LiveContainers(string name, string root, IDictionary fakeBoundParameters)
    {
        var manifestNamespace = EngineHost.Engine.Catalog.Find(root, [name]).Select(r => r.Job?.Namespace).FirstOrDefault(ns => !string.IsNullOrEmpty(ns));
        var target = new ClusterTarget
        {
            Kubeconfig = fakeBoundParameters["Kubeconfig"] as string,
            Context = fakeBoundParameters["Context"] as string,
            Namespace = fakeBoundParameters["Namespace"] as string ?? manifestNamespace,
        };
        try
        {
            // Tab completion must never hang the prompt on an unreachable cluster.
            using var budget = new CancellationTokenSource(NamespaceCompleter.Budget);
            return EngineHost.Engine.Cluster.ListPodContainersAsync(target, E2ePs.Naming.JobLayout.KubernetesName(name), budget.Token).WaitAsync(budget.Token).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is E2eException or OperationCanceledException or HttpRequestException or IOException or InvalidOperationException)
        {
            return [];
        }
    }
}
