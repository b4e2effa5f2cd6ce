using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Manifests;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Runs;

/// <summary>
/// Before Start-E2eJob changes anything: every Secret and key that the Job's containers read their
/// environment from (env[].valueFrom.secretKeyRef, envFrom[].secretRef) must exist, or the pod would
/// sit in CreateContainerConfigError until the deadline (kubelet_pods.go makeEnvironmentVariables fails
/// on a missing Secret or key unless the reference is optional).
/// </summary>
public static class SecretReferences
{
    /// <summary>The (secret, key) pairs the pod needs; a null key means the whole Secret (envFrom).</summary>
    public static IReadOnlyList<(string Secret, string? Key, string Variable)> Of(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var pod = manifest.Job.Spec?.Template?.Spec;
        var containers = (pod?.InitContainers ?? []).Concat(pod?.Containers ?? []);
        var references = new List<(string, string?, string)>();
        foreach (var container in containers)
        {
            foreach (var env in container.Env ?? [])
            {
                if (env.ValueFrom?.SecretKeyRef is { Name: { Length: > 0 } secret, Key: var key } selector && selector.Optional != true)
                {
                    references.Add((secret, key, env.Name));
                }
            }

            foreach (var source in container.EnvFrom ?? [])
            {
                if (source.SecretRef is { Name: { Length: > 0 } secret } reference && reference.Optional != true)
                {
                    references.Add((secret, null, $"envFrom of container {container.Name}"));
                }
            }
        }

        return references;
    }

    /// <summary>Throws SecretNotFound or SecretKeyNotFound, naming the Secret and the key, when one is missing.</summary>
    public static async Task CheckAsync(ClusterConnection connection, JobManifest manifest, string ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var jobName = manifest.Job.Metadata.Name;
        foreach (var group in Of(manifest).GroupBy(r => r.Secret, StringComparer.Ordinal))
        {
            V1Secret secret;
            try
            {
                secret = await connection.Client.CoreV1.ReadNamespacedSecretAsync(group.Key, ns, cancellationToken: cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
            {
                var first = group.First();
                throw new E2eException("SecretNotFound", E2eErrorCategory.ObjectNotFound, group.Key,
                    $"Cannot start {jobName}: its variable {first.Variable} reads the Secret '{group.Key}'{(first.Key is null ? "" : $" (key '{first.Key}')")}, and there is no such Secret in namespace '{ns}' on context '{connection.Identity.Context}'. Nothing was changed in the cluster.", error)
                {
                    RecommendedAction = first.Key is null
                        ? $"Create it first: kubectl create secret generic {group.Key} -n {ns} --from-literal=KEY=VALUE"
                        : $"Create it first: kubectl create secret generic {group.Key} -n {ns} --from-literal={first.Key}=VALUE (or --from-file={first.Key}=PATH).",
                };
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
            {
                // A user who may create Jobs but not read Secrets: the kubelet still reports a missing
                // Secret as CreateContainerConfigError, which Wait-E2eJob names.
                continue;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw KubernetesErrors.Translate(error, connection, $"read Secret {group.Key} in namespace {ns}", group.Key);
            }

            var keys = (secret.Data?.Keys ?? Enumerable.Empty<string>()).Concat(secret.StringData?.Keys ?? Enumerable.Empty<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var (_, key, variable) in group)
            {
                if (key is not null && !keys.Contains(key))
                {
                    throw new E2eException("SecretKeyNotFound", E2eErrorCategory.ObjectNotFound, $"{group.Key}/{key}",
                        $"Cannot start {jobName}: its variable {variable} reads the key '{key}' of the Secret '{group.Key}' in namespace '{ns}', and the Secret has no such key" +
                        $"{(keys.Count == 0 ? " (it has no keys)" : $"; it has {string.Join(", ", keys.Order(StringComparer.Ordinal))}")}. Nothing was changed in the cluster.")
                    {
                        RecommendedAction = $"Add the key (kubectl patch secret {group.Key} -n {ns} --type merge -p '{{\"stringData\":{{\"{key}\":\"VALUE\"}}}}'), or point -SecretEnv at a key the Secret has.",
                    };
                }
            }
        }
    }
}
