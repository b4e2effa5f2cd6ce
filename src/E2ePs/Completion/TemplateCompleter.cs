using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using E2ePs.Loading;

namespace E2ePs.Completion;

/// <summary>Completes -Template with the templates the module ships.</summary>
public sealed class TemplateCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionResults.StartingWith(EngineHost.Engine.Scaffolder.ListTemplates(ModuleLayout.TemplateRoot), wordToComplete, "template");
}
