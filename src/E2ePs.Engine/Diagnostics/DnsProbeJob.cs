using E2ePs.Engine.Manifests;
using k8s.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// The short-lived Job that looks names up from inside the cluster. Its pod meets the Pod Security
/// "restricted" profile, so it runs in namespaces that enforce it; it has no service account token,
/// no retries, a deadline and a TTL, so even a probe that E2ePs could not delete goes away by itself.
/// </summary>
public static class DnsProbeJob
{
    /// <summary>Name of the probe's container.</summary>
    public const string ContainerName = "dns-probe";

    /// <summary>Value of app.kubernetes.io/component on the probe.</summary>
    public const string Component = "dns-probe";

    /// <summary>The probe Job named <paramref name="name"/>, labelled with <paramref name="runId"/>.</summary>
    public static V1Job Create(string name, string ns, string runId, string image, string script, TimeSpan deadline)
    {
        var labels = new Dictionary<string, string>
        {
            [JobLabels.RunId] = runId,
            [JobLabels.AppComponent] = Component,
            [JobLabels.AppManagedBy] = "e2eps",
        };
        var spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = 65534,
                RunAsGroup = 65534,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            Containers =
            [
                new V1Container
                {
                    Name = ContainerName,
                    Image = image,
                    ImagePullPolicy = "IfNotPresent",
                    Command = ["sh", "-c", script],
                    SecurityContext = new V1SecurityContext
                    {
                        AllowPrivilegeEscalation = false,
                        ReadOnlyRootFilesystem = true,
                        Capabilities = new V1Capabilities { Drop = ["ALL"] },
                    },
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("200m"), ["memory"] = new("32Mi") },
                    },
                },
            ],
        };

        var violations = RestrictedProfile.Check(spec);
        if (violations.Count > 0)
        {
            // The spec above is fixed; a violation here is a bug in E2ePs, not in the user's input.
            throw new InvalidOperationException("The DNS probe pod breaks the restricted profile: " + string.Join("; ", violations));
        }

        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)Math.Ceiling(deadline.TotalSeconds),
                TtlSecondsAfterFinished = 60,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = spec,
                },
            },
        };
    }
}
