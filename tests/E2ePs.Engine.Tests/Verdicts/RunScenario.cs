using System.Globalization;
using E2ePs.Engine.Tests.Fixtures;
using k8s.Models;

namespace E2ePs.Engine.Tests.Verdicts;

/// <summary>
/// A run as the waiter sees it at one moment, named by the keys of the recorded fixtures: a Job of
/// jobs.json (or none, once deleted), pods of pods.json, events of events.json. A pod key may name a later
/// attempt as "key@name@creationTimestamp" (see <see cref="Recorded.Attempt"/>).
/// </summary>
public static class RunScenario
{
    /// <summary>The moment of every verdict in the tables; later than everything recorded.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 30, 0, TimeSpan.Zero);

    /// <summary>The recorded Job, or null for "deleted".</summary>
    public static V1Job? Job(string? key) => key is null ? null : Recorded.Job(key);

    /// <summary>The recorded pods, in the order given (the evaluator must not depend on it).</summary>
    public static List<V1Pod> Pods(string[] keys) => keys.Select(Pod).ToList();

    /// <summary>The recorded events.</summary>
    public static List<Corev1Event> Events(string[] keys) => keys.Select(Recorded.Event).ToList();

    private static V1Pod Pod(string key)
    {
        var parts = key.Split('@');
        var pod = Recorded.Pod(parts[0]);
        return parts.Length == 3
            ? Recorded.Attempt(pod, parts[1], DateTime.Parse(parts[2], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal))
            : pod;
    }
}
