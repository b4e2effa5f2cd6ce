using System.Text.RegularExpressions;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// The verdict on a pod held in ContainerCreating because a Secret or ConfigMap volume cannot be set up. The kubelet's
/// volume manager reports each failed attempt as a Warning FailedMount event, 'MountVolume.SetUp failed for volume
/// "v" : secret "x" not found' (pkg/volume/util/operationexecutor/operation_generator.go with the secret and configmap
/// plugins' errors, pkg/volume/secret/secret.go, pkg/volume/configmap/configmap.go), and tries again with a growing
/// back-off, so the pod starts if the object is created later. The verdict is a failure of the job's configuration
/// that names the object and how to create it; the waiter gives it a short grace period
/// (<see cref="RunVerdict.ObjectMissing"/>) for an object that is being created at the same moment. Pure.
/// </summary>
public static partial class MountVerdict
{
    /// <summary>The reason of the verdict, classified Configuration.</summary>
    public const string Reason = "FailedMount";

    /// <summary>The failed verdict when the newest FailedMount about <paramref name="pod"/> says a Secret or ConfigMap (or a key of one) is missing; else null.</summary>
    public static RunVerdict? Decide(V1Pod pod, IReadOnlyCollection<Corev1Event> events, IReadOnlyList<string> names, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(events);

        // Once a container has started the volumes were set up: an older FailedMount is history.
        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);
        if (statuses.Any(s => s.State?.Waiting is null || s.LastState?.Terminated is not null))
        {
            return null;
        }

        var uid = pod.Metadata?.Uid;
        var latest = events
            .Where(e => e.Type == "Warning" && e.Reason == Reason && e.InvolvedObject?.Kind == "Pod")
            .Where(e => uid is not null && e.InvolvedObject.Uid is not null ? e.InvolvedObject.Uid == uid : e.InvolvedObject.Name == pod.Metadata?.Name)
            .OrderBy(e => e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? e.FirstTimestamp ?? DateTime.MinValue)
            .LastOrDefault();
        if (latest?.Message is not { } message || MissingObject(message, pod) is not { } missing)
        {
            return null;
        }

        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var what = missing.Key is null
            ? $"the {missing.Kind} '{missing.Name}', which does not exist in namespace '{ns}'"
            : $"the key '{missing.Key}' of the {missing.Kind} '{missing.Name}' in namespace '{ns}', which it does not have";
        var create = missing.Kind == "Secret"
            ? $"kubectl create secret generic {missing.Name} -n {ns} --from-literal={missing.Key ?? "KEY"}=VALUE"
            : $"kubectl create configmap {missing.Name} -n {ns} --from-literal={missing.Key ?? "KEY"}=VALUE";
        return new RunVerdict(E2eRunStatus.Failed, Reason,
            $"Pod {pod.Metadata?.Name} cannot start: its volume '{missing.Volume}' needs {what} (kubelet: {message}). Create it ({create}) and start the job again.",
            null, names, now)
        {
            ObjectMissing = true,
        };
    }

    /// <summary>The volume and the Secret or ConfigMap (and key) a FailedMount message says is missing.</summary>
    private static (string Volume, string Kind, string Name, string? Key)? MissingObject(string message, V1Pod pod)
    {
        if (NotFound().Match(message) is { Success: true } notFound)
        {
            var kind = notFound.Groups["kind"].Value == "secret" ? "Secret" : "ConfigMap";
            return (notFound.Groups["volume"].Value, kind, notFound.Groups["name"].Value, null);
        }

        if (MissingKey().Match(message) is { Success: true } missingKey)
        {
            var volumeName = missingKey.Groups["volume"].Value;
            var volume = pod.Spec?.Volumes?.FirstOrDefault(v => v.Name == volumeName);
            var (kind, name) = volume?.Secret is { } secret ? ("Secret", secret.SecretName) : volume?.ConfigMap is { } configMap ? ("ConfigMap", configMap.Name) : (null, null);
            return kind is null || name is null ? null : (volumeName, kind, name, missingKey.Groups["key"].Value);
        }

        return null;
    }

    // 'MountVolume.SetUp failed for volume "git-credentials" : secret "shop-git" not found'
    [GeneratedRegex("""for volume "(?<volume>[^"]+)" : (?<kind>secret|configmap) "(?<name>[^"]+)" not found""", RegexOptions.CultureInvariant)]
    private static partial Regex NotFound();

    // 'MountVolume.SetUp failed for volume "x" : references non-existent secret key: k' (secret.go) and
    // '... : configmap references non-existent config key: k' (configmap.go)
    [GeneratedRegex("""for volume "(?<volume>[^"]+)" : (?:configmap )?references non-existent \w+ key: (?<key>\S+)""", RegexOptions.CultureInvariant)]
    private static partial Regex MissingKey();
}
