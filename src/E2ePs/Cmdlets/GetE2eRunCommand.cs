using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;
using E2ePs.Validation;

namespace E2ePs.Cmdlets;

/// <summary>
/// Get-E2eRun: the runs of E2E jobs in the cluster, each a Job of its own (the Jobs labelled
/// e2eps.io/job, with their pods), oldest first so the newest is last, as kubectl get jobs lists them.
/// Each run's status is the one Wait-E2eJob would give it. Its objects pipe into Wait-E2eJob,
/// Get-E2eLog, Get-E2eResult, Get-E2eDiagnostic and Remove-E2eJob, which then work on exactly that run.
/// </summary>
[Cmdlet(VerbsCommon.Get, "E2eRun", HelpUri = HelpLinks.Base + "Get-E2eRun.md")]
[OutputType(typeof(E2eRun))]
public sealed class GetE2eRunCommand : ClusterCmdlet
{
    /// <summary>The type name that selects Get-E2eRun's table view (kubectl get jobs' columns).</summary>
    public const string ListedTypeName = "E2ePs.Models.E2eRun#Listed";

    /// <summary>The same view with the namespace first, for -AllNamespaces (as kubectl get jobs -A).</summary>
    public const string ListedAllNamespacesTypeName = "E2ePs.Models.E2eRun#ListedAllNamespaces";

    private string _where = "";

    /// <summary>Short names or Kubernetes names of jobs; wildcards allowed. All jobs by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only runs with one of these statuses: Pending, Running, Succeeded or Failed.</summary>
    [Parameter]
    [ValidateSet(nameof(E2eRunStatus.Pending), nameof(E2eRunStatus.Running), nameof(E2eRunStatus.Succeeded), nameof(E2eRunStatus.Failed))]
    public E2eRunStatus[]? Status { get; set; }

    /// <summary>Only the run of this run id (the e2eps.io/run-id label), or of this Job UID.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? RunId { get; set; }

    /// <summary>Only the newest N runs (after -Name and -Status).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>List the runs of every namespace instead of one.</summary>
    [Parameter]
    public SwitchParameter AllNamespaces { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IReadOnlyList<E2eRun> runs;
        try
        {
            var target = Target;
            var names = Patterns();
            var namespaces = NamespacesOf(names, target);
            _where = AllNamespaces ? "any namespace" : $"namespace {string.Join(" or ", namespaces.DefaultIfEmpty(target.Namespace ?? Engine.Cluster.Resolve(target).DefaultNamespace))}";
            var query = new RunQuery { Target = target, Names = names, Status = Status ?? [], RunId = RunId, Last = Last, AllNamespaces = AllNamespaces, Namespaces = namespaces };
            WriteVerbose(Describe(query));
            runs = Await(Engine.Cluster.ListRunsAsync(query, CancellationToken));
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return;
        }

        foreach (var run in runs)
        {
            // A view of its own, like kubectl get jobs (module/E2ePs.Format.ps1xml); the object is still the E2eRun that pipes on.
            var listed = PSObject.AsPSObject(run);
            listed.TypeNames.Insert(0, AllNamespaces ? ListedAllNamespacesTypeName : ListedTypeName);
            WriteObject(listed);
        }

        foreach (var name in Name ?? [])
        {
            // As Get-Process: a name without wildcards that matches nothing is an error, a pattern is not.
            if (!ValueRules.ContainsWildcard(name) && !runs.Any(r => Matches(r, name)) && Status is null && Last is null)
            {
                WriteE2eError(new E2eException("RunNotFound", E2eErrorCategory.ObjectNotFound, name,
                    RunId is null ? $"There is no run of E2E job '{name}' in {_where}." : $"There is no run {RunId} of E2E job '{name}' in {_where}.")
                {
                    RecommendedAction = $"List every run with Get-E2eRun{(AllNamespaces ? "" : " -AllNamespaces")}; start one with Start-E2eJob {name}.",
                });
            }
        }

        if (RunId is not null && Name is null && runs.Count == 0 && Status is null)
        {
            WriteE2eError(new E2eException("RunNotFound", E2eErrorCategory.ObjectNotFound, RunId, $"There is no run {RunId} in {_where}.")
            {
                RecommendedAction = $"List the runs and their ids with Get-E2eRun{(AllNamespaces ? "" : " -AllNamespaces")}.",
            });
        }
    }

    /// <summary>The names as patterns; a name without wildcards that no job can have is InvalidJobName, a malformed pattern stops the command.</summary>
    private List<string> Patterns()
    {
        var patterns = new List<string>();
        foreach (var name in Name ?? [])
        {
            if (ValueRules.ContainsWildcard(name))
            {
                try
                {
                    _ = ValueRules.NameMatcher(name);
                }
                catch (E2eException error)
                {
                    ThrowE2eError(error);
                }

                patterns.Add(name);
            }
            else
            {
                patterns.Add(RunFinder.ParseName(name).RunJobName ?? name);
            }
        }

        return patterns;
    }

    /// <summary>
    /// Without -Namespace, in a repository: the namespaces of its definitions that -Name matches (all
    /// when no name), so Get-E2eRun lists the runs the by-name rule finds (Wait-E2eJob api waits for the
    /// last of Get-E2eRun api). None (the context's namespace) outside a repository or with -Namespace.
    /// </summary>
    private List<string> NamespacesOf(List<string> names, ClusterTarget target)
    {
        if (AllNamespaces || !string.IsNullOrEmpty(target.Namespace))
        {
            return [];
        }

        var root = RepositoryRoot.Find(ResolveFileSystemPath(null));
        var patterns = names.Select(n => ValueRules.ContainsWildcard(n) ? n : RunFinder.ParseName(n).ShortName).ToList();
        // A pattern of Job names (test-api-e2e-*) matches no definition: then the namespaces of all of them.
        var namespaces = NamespacesOfDefinitions(root, patterns);
        return namespaces.Count > 0 || patterns.Count == 0 ? namespaces : NamespacesOfDefinitions(root, []);
    }

    private static List<string> NamespacesOfDefinitions(string root, List<string> patterns) =>
        Engine.Catalog.Find(root, patterns)
            .Select(r => r.Job?.Namespace)
            .OfType<string>()
            .Where(ns => ns.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static bool Matches(E2eRun run, string name) =>
        run.Name == name || run.JobName == name || E2ePs.Naming.JobLayout.ShortName(name) == run.Name;

    private static string Describe(RunQuery query) =>
        $"Listing the Jobs labelled e2eps.io/job{(query.AllNamespaces ? " in all namespaces" : query.Namespaces.Count > 0 ? $" in namespace {string.Join(", ", query.Namespaces)} (of the repository's jobs)" : query.Target.Namespace is { } ns ? $" in namespace {ns}" : " in the context's namespace")}" +
        (query.Names.Count > 0 ? $" named {string.Join(", ", query.Names)}" : "") +
        (query.Status.Count > 0 ? $", status {string.Join(" or ", query.Status)}" : "") +
        (query.Last is { } last ? $", the last {last}" : "") + ".";
}
