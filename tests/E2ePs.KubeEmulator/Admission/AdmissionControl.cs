using System.Text;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>
/// The validating admission the emulator runs on writes, in upstream's plugin order (PodSecurity before ResourceQuota,
/// kubernetes/kubernetes pkg/kubeapiserver/options/plugins.go): Pod Security on pod creates (enforce rejects, audit records,
/// warn warns) and on Job creates and updates (warn and audit only: enforce never applies to a workload, whose pods are
/// checked when its controller creates them; staging/src/k8s.io/pod-security-admission/admission/admission.go,
/// ValidatePodController); then ResourceQuota on pod creates. Dry runs (dryRun=All) are admitted the same way. Warnings go
/// back as HTTP Warning headers, "299 - \"text\"" (staging/src/k8s.io/apiserver/pkg/endpoints/filters/warning.go).
/// </summary>
internal sealed class AdmissionControl(Cluster cluster)
{
    /// <summary>The annotation upstream puts on the audit event (api.AuditViolationsAnnotationKey).</summary>
    public const string AuditViolationsKey = "pod-security.kubernetes.io/audit-violations";

    private const int AuditLogSize = 1000;
    private readonly Queue<JsonObject> _audit = new();
    private readonly Lock _lock = new();

    /// <summary>The audit annotations recorded so far, newest last (what the real server writes to its audit log).</summary>
    public List<JsonObject> AuditLog()
    {
        lock (_lock)
        {
            return _audit.Select(a => a.DeepClone().AsObject()).ToList();
        }
    }

    /// <summary>Admits a create (or update) of <paramref name="obj"/>; throws the ApiError of a rejection and returns the warnings.</summary>
    public List<string> Admit(ResourceType type, JsonObject obj, bool create)
    {
        var warnings = new List<string>();
        var meta = obj["metadata"] as JsonObject;
        var ns = meta?["namespace"]?.GetValue<string>();
        var name = meta?["name"]?.GetValue<string>() ?? "";
        if (ns is null || (type != ResourceCatalog.Pods && type != ResourceCatalog.Jobs) || (type == ResourceCatalog.Pods && !create))
        {
            return warnings;
        }

        var labels = cluster.Store.Get(ResourceCatalog.Namespaces, null, ns)?.Labels ?? new Dictionary<string, string>();
        var policy = PodSecurityPolicy.FromLabels(labels);
        var (podMeta, podSpec) = type == ResourceCatalog.Pods
            ? (meta, obj["spec"] as JsonObject)
            : ((obj["spec"]?["template"] as JsonObject)?["metadata"] as JsonObject, (obj["spec"]?["template"] as JsonObject)?["spec"] as JsonObject);
        if (!policy.FullyPrivileged)
        {
            if (type == ResourceCatalog.Pods && PodSecurityChecks.Evaluate(policy.Enforce, podMeta, podSpec) is { Count: > 0 } denied)
            {
                Audit(type, ns, name, policy.Audit, podMeta, podSpec);
                throw new ApiError(403, "Forbidden", $"pods \"{name}\" is forbidden: violates PodSecurity \"{policy.Enforce}\": {PodSecurityChecks.Describe(denied)}",
                    ApiError.DetailsFor(type, name));
            }

            Audit(type, ns, name, policy.Audit, podMeta, podSpec);
            if (PodSecurityChecks.Evaluate(policy.Warn, podMeta, podSpec) is { Count: > 0 } warned)
            {
                warnings.Add($"would violate PodSecurity \"{policy.Warn}\": {PodSecurityChecks.Describe(warned)}");
            }
        }

        if (type == ResourceCatalog.Pods)
        {
            ResourceQuotaAdmission.Check(cluster, obj, ns, name);
        }

        return warnings;
    }

    /// <summary>Admits a write that came over HTTP and adds its warnings to the response.</summary>
    public void AdmitRequest(HttpContext ctx, ResourceType type, JsonObject obj, bool create)
    {
        foreach (var warning in Admit(type, obj, create))
        {
            ctx.Response.Headers.Append("Warning", Header(warning));
        }
    }

    /// <summary>A Warning header value: code 299, agent "-", the text quoted with '"' and '\' escaped (RFC 7234 section 5.5).</summary>
    public static string Header(string text)
    {
        var quoted = new StringBuilder("299 - \"");
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    private void Audit(ResourceType type, string ns, string name, LevelVersion level, JsonObject? podMeta, JsonObject? podSpec)
    {
        if (PodSecurityChecks.Evaluate(level, podMeta, podSpec) is not { Count: > 0 } violations)
        {
            return;
        }

        lock (_lock)
        {
            _audit.Enqueue(new JsonObject
            {
                ["resource"] = type.Plural,
                ["namespace"] = ns,
                ["name"] = name,
                ["annotations"] = new JsonObject { [AuditViolationsKey] = $"would violate PodSecurity \"{level}\": {PodSecurityChecks.Describe(violations)}" },
            });
            while (_audit.Count > AuditLogSize)
            {
                _audit.Dequeue();
            }
        }
    }
}
