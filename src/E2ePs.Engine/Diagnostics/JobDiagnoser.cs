using E2ePs.Engine.Platform;
using System.Net;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Waiting;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// Get-E2eDiagnostic's engine: the guide's troubleshooting steps for a job that fails or does not
/// start ("describe the pod", "logs of the init container", "verify the ServiceAccount binding", "verify
/// the pod uses the expected ServiceAccount"), run through the API and returned as one object whose
/// Summary is the first thing to fix. Reads only; what the caller may not read is skipped with a
/// finding that says so, found out beforehand with SelfSubjectAccessReview.
/// </summary>
public sealed class JobDiagnoser(IClusterConnectionFactory connections, LogReader logReader, IClock clock)
{
    /// <summary>Diagnoses the Job of <paramref name="request"/>.</summary>
    public async Task<E2eDiagnostic> DiagnoseAsync(DiagnosticRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = connections.Get(request.Target);
        var ns = connection.NamespaceFor(request.Target.Namespace);
        var client = connection.Client;
        var jobName = request.JobName;
        var findings = new FindingList();

        await CheckNamespaceAsync(connection, ns, jobName, cancellationToken);
        var job = await ReadJobAsync(connection, ns, jobName, cancellationToken);
        if (!string.IsNullOrEmpty(request.Uid) && request.Uid != job.Metadata.Uid)
        {
            findings.Add(E2eDiagnosticSeverity.Warning, "Job",
                $"The run asked about (Job UID {request.Uid}) was replaced by a newer Job {jobName} (UID {job.Metadata.Uid}); this diagnoses the newer one.", $"job/{jobName}");
        }

        var mayReadEvents = await MayAsync(connection, ns, "list", "", "events", null, cancellationToken);
        var mayReadLogs = await MayAsync(connection, ns, "get", "", "pods", "log", cancellationToken);
        var pods = await CallAsync(connection, $"list the pods of Job {jobName} in namespace {ns}", jobName,
            () => ListPages.PodsAsync(client, ns, $"batch.kubernetes.io/controller-uid={job.Metadata.Uid}", cancellationToken, connection.ListPageSize));
        var pod = pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).LastOrDefault();

        IReadOnlyList<E2eDiagnosticEvent> events = [];
        if (mayReadEvents)
        {
            events = await EventsAsync(connection, ns, job, pod, cancellationToken);
        }
        else
        {
            findings.Add(E2eDiagnosticSeverity.Warning, "Access", $"You may not list events in namespace {ns} (SelfSubjectAccessReview), so the pod's events were not read.", $"namespace/{ns}");
        }

        var tails = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (pod is not null && mayReadLogs)
        {
            tails = await LogTailsAsync(request, ns, job, pod, cancellationToken);
        }
        else if (pod is not null)
        {
            findings.Add(E2eDiagnosticSeverity.Warning, "Access", $"You may not read pods/log in namespace {ns} (SelfSubjectAccessReview), so the containers' logs were not read.", $"namespace/{ns}");
        }

        var containers = pod is null ? [] : PodFindings.Containers(pod, tails);
        // A run's Job (test-<name>-e2e-<run suffix>) runs under its definition's ServiceAccount, Role and
        // RoleBinding, named test-<name>-e2e: the e2eps.io/job label says which definition it is.
        var name = job.Metadata.Labels?.TryGetValue(JobLabels.E2eJob, out var label) == true && !string.IsNullOrEmpty(label) ? label : JobNames.ShortName(jobName) ?? jobName;
        var definitionJobName = name == jobName ? jobName : JobNames.KubernetesName(name);
        PodFindings.Add(findings, name, jobName, ns, job, pod, containers, events);

        var expected = string.IsNullOrEmpty(request.ExpectedServiceAccount) ? definitionJobName : request.ExpectedServiceAccount;
        var actual = pod?.Spec?.ServiceAccountName ?? job.Spec?.Template?.Spec?.ServiceAccountName;
        actual = string.IsNullOrEmpty(actual) ? "default" : actual;
        await AddServiceAccountAsync(findings, connection, ns, pod, actual, expected, cancellationToken);
        await AddPullSecretsAsync(findings, connection, ns, pod?.Spec ?? job.Spec?.Template?.Spec, cancellationToken);
        await RbacCheck.AddAsync(findings, connection, ns, definitionJobName, expected, Needs(request.ManifestPath, findings), cancellationToken);

        var status = RunEvaluator.Evaluate(job, pods, [], clock.UtcNow).Status.ToString();
        return new E2eDiagnostic
        {
            Name = name,
            JobName = jobName,
            Namespace = ns,
            Context = connection.Identity.Context,
            Uid = job.Metadata.Uid,
            Status = status,
            PodName = pod?.Metadata.Name,
            ServiceAccountName = actual,
            ExpectedServiceAccountName = expected,
            Findings = findings.Ordered(),
            Summary = findings.Summary(jobName, status),
            Events = events,
            Containers = containers,
        };
    }

    /// <summary>
    /// Each imagePullSecret must exist and be a dockerconfigjson Secret: the kubelet skips a missing
    /// one (event FailedToRetrieveImagePullSecret, kubernetes/kubernetes pkg/kubelet/kubelet_pods.go
    /// getPullSecretsForPod) and the pull fails as unauthorized.
    /// </summary>
    private static async Task AddPullSecretsAsync(FindingList findings, ClusterConnection connection, string ns, V1PodSpec? spec, CancellationToken cancellationToken)
    {
        foreach (var name in spec?.ImagePullSecrets?.Select(s => s.Name).OfType<string>() ?? [])
        {
            var create = $"kubectl create secret docker-registry {name} -n {ns} --docker-server=<registry> --docker-username=<user> --docker-password=<token>";
            try
            {
                var secret = await connection.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
                if (secret.Type == "kubernetes.io/dockerconfigjson")
                {
                    findings.Add(E2eDiagnosticSeverity.Ok, "Image", $"The image pull Secret {name} exists and is of type kubernetes.io/dockerconfigjson.", $"secret/{name}");
                }
                else
                {
                    findings.Add(E2eDiagnosticSeverity.Error, "Image",
                        $"The image pull Secret {name} is of type '{secret.Type ?? "Opaque"}', not kubernetes.io/dockerconfigjson, so the kubelet cannot pull with it. Recreate it: {create}.", $"secret/{name}");
                }
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
            {
                findings.Add(E2eDiagnosticSeverity.Error, "Image",
                    $"The image pull Secret {name} does not exist in namespace {ns}: the kubelet pulls without it, and a private registry refuses the pull. Create it: {create}.", $"secret/{name}");
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
            {
                findings.Add(E2eDiagnosticSeverity.Warning, "Access", $"You may not read Secrets in namespace {ns}, so whether the image pull Secret {name} exists was not checked.", $"secret/{name}");
            }
        }
    }

    private static async Task AddServiceAccountAsync(FindingList findings, ClusterConnection connection, string ns, V1Pod? pod, string actual, string expected, CancellationToken cancellationToken)
    {
        var subject = pod is null ? "The Job's pod template" : $"Pod {pod.Metadata.Name}";
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            findings.Add(E2eDiagnosticSeverity.Error, "ServiceAccount",
                $"{subject} runs under ServiceAccount '{actual}', not '{expected}', which the job's RoleBinding grants its permissions to; the test is denied what that binding allows. Set spec.template.spec.serviceAccountName to {expected} in the manifest (New-E2eJob writes it) and start the job again.",
                pod is null ? null : $"pod/{pod.Metadata.Name}");
        }

        try
        {
            await connection.Client.CoreV1.ReadNamespacedServiceAccountAsync(expected, ns, cancellationToken: cancellationToken);
            if (string.Equals(actual, expected, StringComparison.Ordinal))
            {
                findings.Add(E2eDiagnosticSeverity.Ok, "ServiceAccount", $"{subject} runs under ServiceAccount {expected}, which exists.", $"serviceaccount/{expected}");
            }
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            findings.Add(E2eDiagnosticSeverity.Error, "ServiceAccount",
                $"ServiceAccount {expected} does not exist in namespace {ns}. Start-E2eJob applies it from the job's manifest; or create it: kubectl create serviceaccount {expected} -n {ns}.", $"serviceaccount/{expected}");
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            findings.Add(E2eDiagnosticSeverity.Warning, "Access", $"You may not read ServiceAccounts in namespace {ns}, so whether {expected} exists was not checked.", $"serviceaccount/{expected}");
        }
    }

    /// <summary>The Role rules of the job's manifest, else those of E2ePs's base manifest.</summary>
    private static IReadOnlyList<V1PolicyRule> Needs(string? manifestPath, FindingList findings)
    {
        if (string.IsNullOrEmpty(manifestPath))
        {
            return RbacCheck.DefaultNeeds;
        }

        try
        {
            var rules = JobManifest.Parse(File.ReadAllText(manifestPath), manifestPath).Role.Rules;
            return rules is { Count: > 0 } ? rules.ToList() : RbacCheck.DefaultNeeds;
        }
        catch (Exception error) when (error is E2eException or IOException or UnauthorizedAccessException)
        {
            findings.Add(E2eDiagnosticSeverity.Warning, "Rbac", $"The manifest '{manifestPath}' could not be read ({error.Message}); the RBAC check uses the rules of E2ePs's base manifest.", manifestPath);
            return RbacCheck.DefaultNeeds;
        }
    }

    private static async Task<IReadOnlyList<E2eDiagnosticEvent>> EventsAsync(ClusterConnection connection, string ns, V1Job job, V1Pod? pod, CancellationToken cancellationToken)
    {
        var names = pod is null ? [job.Metadata.Name] : new[] { job.Metadata.Name, pod.Metadata.Name };
        var events = new List<Corev1Event>();
        foreach (var name in names)
        {
            var list = await CallAsync(connection, $"list the events of {name} in namespace {ns}", name,
                () => ListPages.EventsAsync(connection.Client, ns, $"involvedObject.name={name}", cancellationToken, connection.ListPageSize));
            events.AddRange(list.Where(e => e.InvolvedObject?.Uid is null || e.InvolvedObject.Uid == job.Metadata.Uid || e.InvolvedObject.Uid == pod?.Metadata.Uid));
        }

        // Events carry second-resolution times; their names (object.<UnixNano in hex>) break ties in the order they were made.
        return events
            .OrderBy(e => First(e) ?? DateTimeOffset.MinValue)
            .ThenBy(e => e.Metadata.Name.Length)
            .ThenBy(e => e.Metadata.Name, StringComparer.Ordinal)
            .Select(e => new E2eDiagnosticEvent
            {
                FirstTime = First(e),
                // Events of the events.k8s.io recorder (kube-scheduler's) carry eventTime and series, not the legacy
                // timestamps and count (client-go tools/events): read in either shape.
                LastTime = Time(e.LastTimestamp) ?? Time(e.Series?.LastObservedTime) ?? Time(e.EventTime) ?? First(e),
                Type = e.Type ?? "",
                Reason = e.Reason ?? "",
                InvolvedObject = $"{e.InvolvedObject?.Kind}/{e.InvolvedObject?.Name}",
                FieldPath = e.InvolvedObject?.FieldPath,
                Count = e.Series?.Count ?? (e.Count is > 0 ? e.Count.Value : 1),
                Message = e.Message ?? "",
            })
            .ToList();
    }

    private static DateTimeOffset? First(Corev1Event e) => Time(e.FirstTimestamp) ?? Time(e.EventTime) ?? Time(e.Metadata.CreationTimestamp);

    private static DateTimeOffset? Time(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    /// <summary>The tail of each container's log of <paramref name="pod"/>, read by <see cref="LogReader"/>.</summary>
    private async Task<Dictionary<string, IReadOnlyList<string>>> LogTailsAsync(DiagnosticRequest request, string ns, V1Job job, V1Pod pod, CancellationToken cancellationToken)
    {
        var tails = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var logs = new LogRequest
        {
            Target = new ClusterTarget { Kubeconfig = request.Target.Kubeconfig, Context = request.Target.Context, Namespace = ns },
            JobName = job.Metadata.Name,
            Uid = job.Metadata.Uid,
            Tail = Math.Max(1, request.TailLines),
        };
        await foreach (var line in logReader.ReadAsync(logs, cancellationToken))
        {
            if (line.Pod == pod.Metadata.Name)
            {
                if (!tails.TryGetValue(line.Container, out var lines))
                {
                    lines = [];
                    tails[line.Container] = lines;
                }

                lines.Add(line.Message);
            }
        }

        return tails.ToDictionary(t => t.Key, t => (IReadOnlyList<string>)t.Value, StringComparer.Ordinal);
    }

    /// <summary>Asks the API whether the caller may do something; an API without SelfSubjectAccessReview is assumed to allow it.</summary>
    private static async Task<bool> MayAsync(ClusterConnection connection, string ns, string verb, string group, string resource, string? subresource, CancellationToken cancellationToken)
    {
        try
        {
            var review = await connection.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
            {
                ApiVersion = "authorization.k8s.io/v1",
                Kind = "SelfSubjectAccessReview",
                Spec = new V1SelfSubjectAccessReviewSpec
                {
                    ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = verb, Group = group, Resource = resource, Subresource = subresource },
                },
            }, cancellationToken: cancellationToken);
            return review.Status?.Allowed ?? true;
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound) || KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            return true;
        }
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
                $"Cannot diagnose {jobName}: the namespace '{ns}' does not exist on context '{connection.Identity.Context}' ({connection.Identity.Server}).", error)
            {
                RecommendedAction = "Pass -Namespace with the namespace the job ran in ('kubectl get namespaces').",
            };
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            // A user confined to one namespace may not read namespaces; reading the Job tells the rest.
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read namespace {ns}", ns);
        }
    }

    private static async Task<V1Job> ReadJobAsync(ClusterConnection connection, string ns, string jobName, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
        {
            throw new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, jobName,
                $"There is no Job {jobName} in namespace {ns} on context '{connection.Identity.Context}'.", error)
            {
                RecommendedAction = "Check the name and -Namespace; a finished Job is deleted after its ttlSecondsAfterFinished. Start it again with Start-E2eJob.",
            };
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw KubernetesErrors.Translate(error, connection, $"read Job {jobName} in namespace {ns}", jobName);
        }
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
