using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Manifests;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Runs;

/// <summary>
/// Before Start-E2eJob changes anything: every Secret and ConfigMap (and key) the Job's pod reads must exist, or the
/// pod would never start. A missing one named by env (valueFrom.secretKeyRef, configMapKeyRef) or envFrom leaves the
/// container in CreateContainerConfigError (kubelet_pods.go makeEnvironmentVariables); one mounted as a volume (the
/// git-credentials Secret among them) keeps the pod in ContainerCreating with FailedMount events
/// (pkg/volume/secret/secret.go, pkg/volume/configmap/configmap.go; projected volumes likewise). Optional references
/// are skipped, as the kubelet skips them. imagePullSecrets are checked by JobStarter.
/// </summary>
public static class SecretReferences
{
    /// <summary>One object the pod reads: its kind (Secret or ConfigMap), name, the key (null: the whole object) and who reads it.</summary>
    public sealed record Reference(string Kind, string Name, string? Key, string Usage, bool IsVariable);

    /// <summary>The objects the pod needs, in the order the manifest names them.</summary>
    public static IReadOnlyList<Reference> Of(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var pod = manifest.Job.Spec?.Template?.Spec;
        var references = new List<Reference>();
        foreach (var container in (pod?.InitContainers ?? []).Concat(pod?.Containers ?? []))
        {
            foreach (var env in container.Env ?? [])
            {
                if (env.ValueFrom?.SecretKeyRef is { Name: { Length: > 0 } secret } secretKey && secretKey.Optional != true)
                {
                    references.Add(new("Secret", secret, secretKey.Key, $"variable {env.Name}", true));
                }
                else if (env.ValueFrom?.ConfigMapKeyRef is { Name: { Length: > 0 } configMap } configMapKey && configMapKey.Optional != true)
                {
                    references.Add(new("ConfigMap", configMap, configMapKey.Key, $"variable {env.Name}", true));
                }
            }

            foreach (var source in container.EnvFrom ?? [])
            {
                if (source.SecretRef is { Name: { Length: > 0 } secret } secretRef && secretRef.Optional != true)
                {
                    references.Add(new("Secret", secret, null, $"envFrom of container {container.Name}", true));
                }
                else if (source.ConfigMapRef is { Name: { Length: > 0 } configMap } configMapRef && configMapRef.Optional != true)
                {
                    references.Add(new("ConfigMap", configMap, null, $"envFrom of container {container.Name}", true));
                }
            }
        }

        foreach (var volume in pod?.Volumes ?? [])
        {
            AddVolume(references, volume.Name, volume.Secret?.SecretName, volume.Secret?.Optional, volume.Secret?.Items, "Secret");
            AddVolume(references, volume.Name, volume.ConfigMap?.Name, volume.ConfigMap?.Optional, volume.ConfigMap?.Items, "ConfigMap");
            foreach (var projection in volume.Projected?.Sources ?? [])
            {
                AddVolume(references, volume.Name, projection.Secret?.Name, projection.Secret?.Optional, projection.Secret?.Items, "Secret");
                AddVolume(references, volume.Name, projection.ConfigMap?.Name, projection.ConfigMap?.Optional, projection.ConfigMap?.Items, "ConfigMap");
            }
        }

        return references;
    }

    private static void AddVolume(List<Reference> references, string volume, string? name, bool? optional, IList<V1KeyToPath>? items, string kind)
    {
        if (string.IsNullOrEmpty(name) || optional == true)
        {
            return;
        }

        var usage = $"volume '{volume}'";
        if (items is not { Count: > 0 })
        {
            references.Add(new(kind, name, null, usage, false));
            return;
        }

        references.AddRange(items.Select(item => new Reference(kind, name, item.Key, usage, false)));
    }

    /// <summary>Throws SecretNotFound, ConfigMapNotFound, SecretKeyNotFound or ConfigMapKeyNotFound, naming the object, the key and what to create.</summary>
    public static async Task CheckAsync(ClusterConnection connection, JobManifest manifest, string ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var jobName = manifest.Job.Metadata.Name;
        foreach (var group in Of(manifest).GroupBy(r => (r.Kind, r.Name)))
        {
            var (kind, name) = group.Key;
            HashSet<string>? keys;
            try
            {
                keys = await KeysAsync(connection, kind, name, ns, cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
            {
                throw NotFound(connection, jobName, ns, group.First(), error);
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
            {
                // A user who may create Jobs but not read Secrets: the kubelet still reports a missing object
                // (CreateContainerConfigError, FailedMount), which Wait-E2eJob names.
                continue;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw KubernetesErrors.Translate(error, connection, $"read {kind} {name} in namespace {ns}", name);
            }

            if (group.FirstOrDefault(r => r.Key is not null && !keys.Contains(r.Key)) is { } missing)
            {
                throw KeyNotFound(jobName, ns, missing, keys);
            }
        }
    }

    private static async Task<HashSet<string>> KeysAsync(ClusterConnection connection, string kind, string name, string ns, CancellationToken cancellationToken)
    {
        if (kind == "Secret")
        {
            var secret = await connection.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
            return (secret.Data?.Keys ?? Enumerable.Empty<string>()).Concat(secret.StringData?.Keys ?? Enumerable.Empty<string>()).ToHashSet(StringComparer.Ordinal);
        }

        var configMap = await connection.Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken);
        return (configMap.Data?.Keys ?? Enumerable.Empty<string>()).Concat(configMap.BinaryData?.Keys ?? Enumerable.Empty<string>()).ToHashSet(StringComparer.Ordinal);
    }

    private static E2eException NotFound(ClusterConnection connection, string jobName, string ns, Reference first, Exception error)
    {
        var reads = first.IsVariable ? $"its {first.Usage} reads" : $"its {first.Usage} mounts";
        return new E2eException($"{first.Kind}NotFound", E2eErrorCategory.ObjectNotFound, first.Name,
            $"Cannot start {jobName}: {reads} the {first.Kind} '{first.Name}'{(first.Key is null ? "" : $" (key '{first.Key}')")}, and there is no such {first.Kind} in namespace '{ns}' on context '{connection.Identity.Context}'. Nothing was changed in the cluster.", error)
        {
            RecommendedAction = $"Create it first: {CreateCommand(first, ns)}",
        };
    }

    private static E2eException KeyNotFound(string jobName, string ns, Reference missing, HashSet<string> keys)
    {
        var patch = missing.Kind == "Secret"
            ? $"kubectl patch secret {missing.Name} -n {ns} --type merge -p '{{\"stringData\":{{\"{missing.Key}\":\"VALUE\"}}}}'"
            : $"kubectl patch configmap {missing.Name} -n {ns} --type merge -p '{{\"data\":{{\"{missing.Key}\":\"VALUE\"}}}}'";
        return new E2eException($"{missing.Kind}KeyNotFound", E2eErrorCategory.ObjectNotFound, $"{missing.Name}/{missing.Key}",
            $"Cannot start {jobName}: its {missing.Usage} reads the key '{missing.Key}' of the {missing.Kind} '{missing.Name}' in namespace '{ns}', and the {missing.Kind} has no such key" +
            $"{(keys.Count == 0 ? " (it has no keys)" : $"; it has {string.Join(", ", keys.Order(StringComparer.Ordinal))}")}. Nothing was changed in the cluster.")
        {
            RecommendedAction = missing.IsVariable && missing.Kind == "Secret"
                ? $"Add the key ({patch}), or point -SecretEnv at a key the Secret has."
                : $"Add the key ({patch}), or change the manifest to a key the {missing.Kind} has.",
        };
    }

    /// <summary>The kubectl command that creates what is missing; the git-credentials Secret holds a username and a token.</summary>
    private static string CreateCommand(Reference reference, string ns)
    {
        if (reference.Kind == "ConfigMap")
        {
            return $"kubectl create configmap {reference.Name} -n {ns} --from-literal={reference.Key ?? "KEY"}=VALUE";
        }

        if (reference.Usage == $"volume '{JobLabels.GitCredentialsVolume}'")
        {
            return $"kubectl create secret generic {reference.Name} -n {ns} --from-literal=username=<user> --from-literal=password=<token>";
        }

        return reference.Key is null
            ? $"kubectl create secret generic {reference.Name} -n {ns} --from-literal=KEY=VALUE"
            : $"kubectl create secret generic {reference.Name} -n {ns} --from-literal={reference.Key}=VALUE (or --from-file={reference.Key}=PATH).";
    }
}
