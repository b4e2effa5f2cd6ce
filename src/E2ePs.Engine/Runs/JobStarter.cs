using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Runs;

/// <summary>
/// Start-E2eJob's engine. Each Start is a run with a Job of its own (test-&lt;name&gt;-e2e-&lt;run suffix&gt;):
/// nothing is deleted and nothing waits for an earlier run, so runs of one definition from any number of
/// processes go on side by side and finished ones stay as history. A Job re-created under the name of one
/// just deleted can inherit the deleted one's pod expectations in the job controller and get no pods for
/// minutes (kubernetes/kubernetes#131917, #142142); a name of its own never does. The commit to check out
/// is resolved first (a commit the remote lacks fails before anything changes); then everything is sent as
/// a server-side dry run, so a missing namespace, a denied permission or an invalid field fails before
/// anything changes; then the RBAC objects are applied and the run's Job is created.
/// </summary>
public sealed class JobStarter(IClusterConnectionFactory connections, IClock clock, CommitResolver commits)
{
    /// <summary>Field manager of E2ePs's server-side applies.</summary>
    public const string FieldManager = "e2eps";

    /// <summary>How many run ids are drawn when a run's Job name is taken (a collision of the 6-hex suffix).</summary>
    private const int NameAttempts = 3;

    /// <summary>Starts one run.</summary>
    public async Task<E2eRun> StartAsync(StartJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = connections.Get(request.Target);
        var manifest = ReadManifest(request.ManifestPath);
        var definitionJobName = manifest.Job.Metadata.Name;
        var definitionName = RunStamp.DefinitionName(manifest.Job);
        var ns = connection.NamespaceFor(request.Target.Namespace, request.Job?.Namespace ?? manifest.Job.Metadata.NamespaceProperty);
        var runId = RunIds.New(clock.UtcNow);
        ManifestOverrides.Apply(manifest, ns, runId, request.Image, request.Branch, request.Env);

        var clone = manifest.CloneContainer;
        var repository = EnvValues.Unescape(clone?.Env?.FirstOrDefault(e => e.Name == "GIT_REPOSITORY")?.Value);
        var branch = EnvValues.Unescape(clone?.Env?.FirstOrDefault(e => e.Name == "GIT_BRANCH")?.Value);
        var pin = clone is null
            ? CommitPin.None($"{definitionJobName} has no '{JobLabels.CloneContainer}' init container")
            : await commits.ResolveAsync(request.ManifestPath, repository, request.Commit, request.Branch, cancellationToken);
        request.Verbose?.Invoke(pin.Commit is null
            ? $"{definitionName}: {pin.Note}; the init container clones the tip of branch {branch}."
            : $"{definitionName}: checks out commit {pin.Commit}{(pin.Note is null ? "" : $" ({pin.Note})")}.");
        RunStamp.Record(manifest.Job, clone, repository, branch, pin.Commit);

        var client = connection.Client;
        var jobName = RunStamp.Apply(manifest.Job, definitionJobName, definitionName, runId);
        using var warnings = CaptureWarnings(request, definitionName, ns);
        await CheckNamespaceAsync(connection, ns, jobName, cancellationToken);
        await SecretReferences.CheckAsync(connection, manifest, ns, cancellationToken);
        await CheckPullSecretsAsync(connection, manifest, ns, jobName, cancellationToken);
        await ApplyRbacAsync(connection, manifest, ns, dryRun: true, cancellationToken);
        await CallAsync(connection, $"create Job {jobName} in namespace {ns} (dry run)", jobName,
            () => client.BatchV1.CreateNamespacedJobAsync(manifest.Job, ns, dryRun: "All", fieldManager: FieldManager, cancellationToken: cancellationToken));

        await ApplyRbacAsync(connection, manifest, ns, dryRun: false, cancellationToken);
        V1Job created;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                created = await client.BatchV1.CreateNamespacedJobAsync(manifest.Job, ns, fieldManager: FieldManager, cancellationToken: cancellationToken);
                break;
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Conflict) && attempt < NameAttempts)
            {
                // Another run drew the same 6-hex suffix in the same namespace: draw again, never touch its Job.
                runId = RunIds.New(clock.UtcNow);
                jobName = RunStamp.Apply(manifest.Job, definitionJobName, definitionName, runId);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw KubernetesErrors.Translate(error, connection, $"create Job {jobName} in namespace {ns}", jobName);
            }
        }

        return new E2eRun
        {
            Name = definitionName,
            JobName = jobName,
            Namespace = ns,
            Context = connection.Identity.Context,
            Kubeconfig = connection.Identity.Kubeconfig,
            Server = connection.Identity.Server,
            RunId = runId,
            Uid = created.Metadata.Uid,
            Image = manifest.TestContainer.Image,
            Repository = repository,
            Branch = branch,
            Commit = pin.Commit,
            Status = E2eRunStatus.Pending,
            StartTime = created.Metadata.CreationTimestamp is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : clock.UtcNow,
            Job = request.Job,
        };
    }

    /// <summary>
    /// Hands the API server's warnings about this start to the caller, each text once: the dry run and the create of the Job
    /// carry the same Pod Security warning, as kubectl's deduplicating warning writer shows it once.
    /// </summary>
    private static IDisposable? CaptureWarnings(StartJobRequest request, string definitionName, string ns)
    {
        if (request.Warning is not { } warn)
        {
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        return ApiWarnings.Capture(text =>
        {
            lock (seen)
            {
                if (!seen.Add(text))
                {
                    return;
                }
            }

            warn($"{definitionName} (namespace {ns}): the API server warns: {text}");
        });
    }

    private static JobManifest ReadManifest(string path)
    {
        if (!File.Exists(path))
        {
            throw new E2eException("ManifestNotFound", E2eErrorCategory.ObjectNotFound, path,
                $"The manifest '{path}' does not exist.") { RecommendedAction = "Scaffold the job with New-E2eJob, or pass the path of a manifest with -Path." };
        }

        return JobManifest.Load(path);
    }

    private static async Task CheckNamespaceAsync(ClusterConnection connection, string ns, string jobName, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            throw new E2eException("NamespaceNotFound", E2eErrorCategory.ObjectNotFound, ns,
                $"Cannot start {jobName}: the namespace '{ns}' does not exist on context '{connection.Identity.Context}' ({connection.Identity.Server}).", error)
            {
                RecommendedAction = $"Create it (kubectl create namespace {ns}) or pass -Namespace with an existing one.",
            };
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            // A user confined to one namespace may not read namespaces; the dry run that follows still
            // proves the namespace exists before anything changes.
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read namespace {ns}", ns);
        }
    }

    /// <summary>
    /// Each imagePullSecret of the pod must exist and be of type kubernetes.io/dockerconfigjson: the
    /// kubelet skips a missing one with a FailedToRetrieveImagePullSecret event ("attempting to pull
    /// the image may not succeed"; kubernetes/kubernetes pkg/kubelet/kubelet_pods.go,
    /// getPullSecretsForPod, kubernetes/kubernetes#117927) and the pull then fails as unauthorized.
    /// A user who may not read Secrets is not stopped: the pull reports the problem.
    /// </summary>
    private static async Task CheckPullSecretsAsync(ClusterConnection connection, JobManifest manifest, string ns, string jobName, CancellationToken cancellationToken)
    {
        foreach (var name in manifest.Job.Spec?.Template?.Spec?.ImagePullSecrets?.Select(s => s.Name).OfType<string>() ?? [])
        {
            V1Secret secret;
            try
            {
                secret = await connection.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
            {
                throw new E2eException("ImagePullSecretNotFound", E2eErrorCategory.ObjectNotFound, name,
                    $"Cannot start {jobName}: its image pull Secret '{name}' does not exist in namespace '{ns}' on context '{connection.Identity.Context}'. Nothing was changed.", error)
                {
                    RecommendedAction = $"Create it: kubectl create secret docker-registry {name} -n {ns} --docker-server=<registry> --docker-username=<user> --docker-password=<token>.",
                };
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
            {
                continue;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw KubernetesErrors.Translate(error, connection, $"read Secret {name} in namespace {ns}", name);
            }

            if (secret.Type != "kubernetes.io/dockerconfigjson")
            {
                throw new E2eException("ImagePullSecretInvalid", E2eErrorCategory.InvalidData, name,
                    $"Cannot start {jobName}: its image pull Secret '{name}' in namespace '{ns}' is of type '{secret.Type ?? "Opaque"}', not kubernetes.io/dockerconfigjson, so the kubelet cannot pull with it. Nothing was changed.")
                {
                    RecommendedAction = $"Recreate it with kubectl create secret docker-registry {name} -n {ns} --docker-server=<registry> --docker-username=<user> --docker-password=<token>.",
                };
            }
        }
    }

    private static async Task ApplyRbacAsync(ClusterConnection connection, JobManifest manifest, string ns, bool dryRun, CancellationToken cancellationToken)
    {
        var client = connection.Client;
        var dry = dryRun ? "All" : null;
        var suffix = dryRun ? " (dry run)" : "";
        var sa = manifest.ServiceAccount;
        await CallAsync(connection, $"apply ServiceAccount {sa.Metadata.Name} in namespace {ns}{suffix}", sa.Metadata.Name,
            () => client.CoreV1.PatchNamespacedServiceAccountAsync(new V1Patch(sa, V1Patch.PatchType.ApplyPatch), sa.Metadata.Name, ns, dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken));
        var role = manifest.Role;
        await CallAsync(connection, $"apply Role {role.Metadata.Name} in namespace {ns}{suffix}", role.Metadata.Name,
            () => client.RbacAuthorizationV1.PatchNamespacedRoleAsync(new V1Patch(role, V1Patch.PatchType.ApplyPatch), role.Metadata.Name, ns, dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken));
        var binding = manifest.RoleBinding;
        await CallAsync(connection, $"apply RoleBinding {binding.Metadata.Name} in namespace {ns}{suffix}", binding.Metadata.Name,
            () => client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(new V1Patch(binding, V1Patch.PatchType.ApplyPatch), binding.Metadata.Name, ns, dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken));
    }

    private static async Task<T> CallAsync<T>(ClusterConnection connection, string action, object? target, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception error) when (error is not OperationCanceledException and not E2eException)
        {
            throw KubernetesErrors.Translate(error, connection, action, target);
        }
    }
}
