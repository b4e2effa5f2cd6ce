using E2ePs.Engine.Manifests;
using E2ePs.Models;
using k8s.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// What "kubectl describe pod" tells a person, turned into findings: a Job that cannot create its pod,
/// a pod that cannot be scheduled, an image that cannot be pulled (which image, which registry, and
/// why), a container that cannot be created, a failed init container with its log, a failed test
/// container. Pure: the same objects give the same findings, so it is tested without a cluster too.
/// </summary>
public static class PodFindings
{
    private static readonly HashSet<string> s_pullFailures = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"];

    /// <summary>The containers of <paramref name="pod"/> (init first) with their states and log tails.</summary>
    public static List<E2eDiagnosticContainer> Containers(V1Pod pod, IReadOnlyDictionary<string, IReadOnlyList<string>> logTails)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(logTails);
        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var specs = (pod.Spec?.InitContainers ?? []).Select(c => (c, true)).Concat((pod.Spec?.Containers ?? []).Select(c => (c, false)));
        return specs.Select(pair =>
        {
            var (spec, isInit) = pair;
            var status = statuses.GetValueOrDefault(spec.Name);
            var state = status?.State;
            var container = new E2eDiagnosticContainer
            {
                Name = spec.Name,
                InitContainer = isInit,
                Image = spec.Image ?? status?.Image ?? "",
                RestartCount = status?.RestartCount ?? 0,
                LogTail = logTails.GetValueOrDefault(spec.Name) ?? [],
            };
            if (state?.Terminated is { } t)
            {
                (container.State, container.Reason, container.Message, container.ExitCode) = ("Terminated", t.Reason, t.Message, t.ExitCode);
            }
            else if (state?.Running is not null)
            {
                container.State = "Running";
            }
            else if (state?.Waiting is { } w)
            {
                (container.State, container.Reason, container.Message) = ("Waiting", w.Reason, w.Message);
            }
            else
            {
                container.State = "NotCreated";
            }

            if (container.State != "Terminated" && status?.LastState?.Terminated is { } last)
            {
                container.ExitCode = last.ExitCode;
            }

            return container;
        }).ToList();
    }

    /// <summary>Findings about the Job and its newest pod.</summary>
    public static void Add(FindingList findings, string name, string jobName, string ns, V1Job job, V1Pod? pod, IReadOnlyList<E2eDiagnosticContainer> containers, IReadOnlyList<E2eDiagnosticEvent> events)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(containers);
        ArgumentNullException.ThrowIfNull(events);
        if (pod is null)
        {
            var failedCreate = events.LastOrDefault(e => e.Reason == "FailedCreate");
            if (failedCreate is not null)
            {
                findings.Add(E2eDiagnosticSeverity.Error, "Job", $"Job {jobName} cannot create its pod: {failedCreate.Message}", $"job/{jobName}");
            }
            else if (!IsFinished(job))
            {
                findings.Add(E2eDiagnosticSeverity.Information, "Job", $"Job {jobName} has no pod yet; the job controller has not created one.", $"job/{jobName}");
            }
        }
        else
        {
            AddScheduling(findings, pod, events);
            foreach (var container in containers)
            {
                AddContainer(findings, name, ns, pod, container, events);
            }
        }

        var failed = job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True");
        if (failed?.Reason == "DeadlineExceeded")
        {
            findings.Add(E2eDiagnosticSeverity.Error, "Deadline",
                $"Job {jobName} ran longer than its activeDeadlineSeconds ({job.Spec?.ActiveDeadlineSeconds} s) and was stopped: {failed.Message} Raise it in the manifest (New-E2eJob -ActiveDeadlineSeconds) if the test needs longer.",
                $"job/{jobName}");
        }
        else if (failed is not null && pod is null)
        {
            findings.Add(E2eDiagnosticSeverity.Error, "Job", $"Job {jobName} failed ({failed.Reason}): {failed.Message}", $"job/{jobName}");
        }

        var warnings = events.Count(e => e.Type == "Warning");
        findings.Add(warnings > 0 ? E2eDiagnosticSeverity.Information : E2eDiagnosticSeverity.Ok, "Events",
            $"{events.Count} event(s) about the Job and its pod, {warnings} of them warnings (the Events property lists them in order).", $"job/{jobName}");
    }

    private static void AddScheduling(FindingList findings, V1Pod pod, IReadOnlyList<E2eDiagnosticEvent> events)
    {
        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled?.Status == "False")
        {
            var message = scheduled.Message ?? events.LastOrDefault(e => e.Reason == "FailedScheduling")?.Message ?? "no reason given";
            findings.Add(E2eDiagnosticSeverity.Error, "Scheduling",
                $"Pod {pod.Metadata.Name} cannot be scheduled: {message} Lower the job's requests (New-E2eJob -Cpu/-Memory) or add capacity.", $"pod/{pod.Metadata.Name}");
        }
        else if (scheduled?.Status == "True")
        {
            findings.Add(E2eDiagnosticSeverity.Ok, "Scheduling", $"Pod {pod.Metadata.Name} is scheduled on node {pod.Spec?.NodeName}.", $"pod/{pod.Metadata.Name}");
        }
    }

    private static void AddContainer(FindingList findings, string name, string ns, V1Pod pod, E2eDiagnosticContainer c, IReadOnlyList<E2eDiagnosticEvent> events)
    {
        var target = $"pod/{pod.Metadata.Name}";
        var kind = c.InitContainer ? "init container" : "container";
        if (c.Reason is { } reason && s_pullFailures.Contains(reason))
        {
            findings.Add(E2eDiagnosticSeverity.Error, "Image", ImagePull(c, pod, events), target);
            return;
        }

        if (c.Reason is "CreateContainerConfigError" or "CreateContainerError")
        {
            findings.Add(E2eDiagnosticSeverity.Error, "ContainerConfig",
                $"The {kind} {c.Name} cannot be created ({c.Reason}): {c.Message} Create the Secret or ConfigMap it names, or fix the reference in the manifest.", target);
            return;
        }

        if (c.InitContainer)
        {
            if (c.State == "Terminated" && c.ExitCode is not 0)
            {
                var tail = c.LogTail.Count > 0 ? " Last lines of its log: " + string.Join(" | ", c.LogTail.TakeLast(5)) : " It wrote no log.";
                var hint = c.Name == JobLabels.CloneContainer
                    ? " The clone failed: check that the branch was pushed (or pass -Branch) and that the repository URL and its credentials are right."
                    : "";
                findings.Add(E2eDiagnosticSeverity.Error, "InitContainer",
                    $"Init container {c.Name} of pod {pod.Metadata.Name} exited with code {c.ExitCode} ({c.Reason}).{hint}{tail}", target);
            }
            else if (c.State == "Terminated")
            {
                findings.Add(E2eDiagnosticSeverity.Ok, "InitContainer", $"Init container {c.Name} completed.", target);
            }
            else if (c.Reason == "CrashLoopBackOff")
            {
                findings.Add(E2eDiagnosticSeverity.Error, "InitContainer", $"Init container {c.Name} keeps failing ({c.Message}); its last exit code was {c.ExitCode}.", target);
            }

            return;
        }

        if (c.State == "Terminated" && c.Reason == "OOMKilled")
        {
            findings.Add(E2eDiagnosticSeverity.Error, "TestContainer",
                $"Container {c.Name} was killed for using more memory than its limit (OOMKilled). Raise the limit (New-E2eJob -Memory) or use less memory.", target);
        }
        else if (c.State == "Terminated" && c.ExitCode is not 0)
        {
            findings.Add(E2eDiagnosticSeverity.Error, "TestContainer",
                $"Container {c.Name} exited with code {c.ExitCode} ({c.Reason}): the test itself failed. Read its log: Get-E2eLog -Name {name} -Namespace {ns}.", target);
        }
        else if (c.Reason == "CrashLoopBackOff")
        {
            findings.Add(E2eDiagnosticSeverity.Error, "TestContainer", $"Container {c.Name} keeps failing ({c.Message}); its last exit code was {c.ExitCode}.", target);
        }
        else if (c.State is "Running" or "Terminated")
        {
            findings.Add(E2eDiagnosticSeverity.Ok, "TestContainer", $"Container {c.Name} is {c.State.ToLowerInvariant()}{(c.ExitCode is { } code ? $" (exit code {code})" : "")}.", target);
        }
    }

    /// <summary>Which image, which registry, why it failed (not found, denied, unreachable), and what to do.</summary>
    public static string ImagePull(E2eDiagnosticContainer c, V1Pod pod, IReadOnlyList<E2eDiagnosticEvent> events)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(events);
        var registry = RegistryOf(c.Image);
        // The kubelet's event carries the registry's answer; the status often only says "Back-off pulling image".
        var detail = events.LastOrDefault(e => e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image", StringComparison.Ordinal) && e.Message.Contains(c.Image, StringComparison.Ordinal))?.Message
            ?? c.Message ?? c.Reason ?? "";
        var secrets = pod.Spec?.ImagePullSecrets?.Select(s => s.Name).ToList() ?? [];
        var secretText = secrets.Count == 0 ? "the pod has no imagePullSecrets" : "imagePullSecrets: " + string.Join(", ", secrets);
        var lower = detail.ToLowerInvariant();
        string cause;
        if (c.Reason == "InvalidImageName")
        {
            cause = "the image reference is not valid; fix it in the manifest";
        }
        else if (lower.Contains("not found", StringComparison.Ordinal) || lower.Contains("manifest unknown", StringComparison.Ordinal))
        {
            cause = $"the image or its tag does not exist in {registry}: build and push it (Build-E2eImage -Push), or fix the tag in the manifest";
        }
        else if (lower.Contains("unauthorized", StringComparison.Ordinal) || lower.Contains("denied", StringComparison.Ordinal) || lower.Contains("authentication required", StringComparison.Ordinal) || lower.Contains("forbidden", StringComparison.Ordinal))
        {
            cause = $"{registry} refused the cluster's credentials ({secretText}): add an imagePullSecret for it to the pod or its ServiceAccount";
        }
        else if (lower.Contains("no such host", StringComparison.Ordinal) || lower.Contains("dial tcp", StringComparison.Ordinal) || lower.Contains("i/o timeout", StringComparison.Ordinal) || lower.Contains("connection refused", StringComparison.Ordinal) || lower.Contains("x509", StringComparison.Ordinal))
        {
            cause = $"the cluster's nodes cannot reach {registry} (network, DNS or TLS): check the registry's address from a node";
        }
        else
        {
            cause = $"check that the image was pushed to {registry} and that the cluster may pull from it ({secretText})";
        }

        var kind = c.InitContainer ? "Init container" : "Container";
        return $"{kind} {c.Name} cannot pull image {c.Image} from registry {registry} ({c.Reason}): {cause}. The kubelet said: {detail}";
    }

    /// <summary>The registry host of an image reference; docker.io when the first part is not a host.</summary>
    public static string RegistryOf(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "docker.io";
        }

        var first = image[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" ? first : "docker.io";
    }

    private static bool IsFinished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") == true;
}
