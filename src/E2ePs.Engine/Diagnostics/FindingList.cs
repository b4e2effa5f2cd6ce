using E2ePs.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// Findings in the order a person should act on them: the most serious first and, among equals, the
/// one earliest in a pod's life (a pod that cannot be created, scheduled or pulled explains everything
/// after it), so the first error is the first thing to fix.
/// </summary>
public sealed class FindingList
{
    private readonly List<(int Rank, int Order, E2eDiagnosticFinding Finding)> _findings = [];

    /// <summary>Checks in the order of a pod's life; the rank of a finding is its check's place here.</summary>
    public static readonly IReadOnlyList<string> CheckOrder =
        ["Access", "Job", "Scheduling", "Image", "ContainerConfig", "InitContainer", "ServiceAccount", "Rbac", "TestContainer", "Deadline", "Events"];

    /// <summary>Adds a finding.</summary>
    public void Add(E2eDiagnosticSeverity severity, string check, string message, string? target = null)
    {
        var rank = CheckOrder.IndexOf(check) is var i and >= 0 ? i : CheckOrder.Count;
        _findings.Add((rank, _findings.Count, new E2eDiagnosticFinding { Severity = severity, Check = check, Message = message, Target = target }));
    }

    /// <summary>The findings, most serious first, then in the order of a pod's life.</summary>
    public IReadOnlyList<E2eDiagnosticFinding> Ordered() =>
        _findings.OrderByDescending(f => f.Finding.Severity).ThenBy(f => f.Rank).ThenBy(f => f.Order).Select(f => f.Finding).ToList();

    /// <summary>The first thing to fix, or what the job is doing when nothing is wrong.</summary>
    public string Summary(string jobName, string status)
    {
        var first = Ordered().FirstOrDefault(f => f.Severity >= E2eDiagnosticSeverity.Warning);
        return first is not null
            ? first.Message
            : $"No problem found: Job {jobName} is {status}.";
    }
}

internal static class ListExtensions
{
    public static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
