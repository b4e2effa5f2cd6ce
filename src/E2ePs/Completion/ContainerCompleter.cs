using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>
/// Completes Get-E2eLog -Container with the containers of the job's pod, init containers first
/// (clone-repo, then test-runner), read from the manifest of -Name in the repository at -Path or
/// the current location; with no -Name, those of every job.
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
            : [name.StartsWith("test-", StringComparison.Ordinal) && name.EndsWith("-e2e", StringComparison.Ordinal) ? name[5..^4] : name];
        var containers = names
            .SelectMany(n => EngineHost.Engine.Catalog.ListContainers(Path.Combine(root, "deploy", "k8s", $"99-test-{n}-e2e.yaml")))
            .Distinct(StringComparer.Ordinal);
        return CompletionResults.StartingWith(containers, wordToComplete, "container");
    }
}
