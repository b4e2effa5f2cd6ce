using E2ePs.KubeEmulator.Http;

namespace E2ePs.KubeEmulator.Store;

/// <summary>
/// The field selectors each kind supports; any other is 400 "field label not supported: …", as the API server
/// answers (kubernetes/kubernetes: AddFieldLabelConversionFunc in pkg/apis/core/v1/conversion.go for Pod, Node,
/// Event, Namespace, Secret, ReplicationController; pkg/apis/batch/v1/conversion.go for Job; the generic
/// metadata.name and metadata.namespace of every other kind, runtime.DefaultMetaV1FieldSelectorConversion;
/// the selectable fields of pkg/registry/core/pod/strategy.go, pkg/registry/batch/job/strategy.go and
/// pkg/registry/core/event/strategy.go ToSelectableFields).
/// </summary>
internal static class FieldLabels
{
    private static readonly string[] s_meta = ["metadata.name", "metadata.namespace"];

    private static readonly Dictionary<string, string[]> s_byKind = new(StringComparer.Ordinal)
    {
        ["Pod"] = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName", "spec.host"],
        ["Node"] = ["spec.unschedulable"],
        ["Event"] = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        ["Namespace"] = ["status.phase"],
        ["Secret"] = ["type"],
        ["ReplicationController"] = ["status.replicas"],
        ["Job"] = ["status.successful"],
    };

    /// <summary>Throws the API server's 400 for a field label <paramref name="kind"/> does not support.</summary>
    public static void Check(string kind, string label)
    {
        if (s_meta.Contains(label, StringComparer.Ordinal) || (s_byKind.TryGetValue(kind, out var labels) && labels.Contains(label, StringComparer.Ordinal)))
        {
            return;
        }

        throw ApiError.BadRequest($"field label not supported: {label}");
    }

    /// <summary>The field a label reads: spec.host is the old name of spec.nodeName, an event's source is its source.component (core/v1 conversion.go, event strategy.go).</summary>
    public static string Canonical(string label) => label switch
    {
        "spec.host" => "spec.nodeName",
        "source" => "source.component",
        _ => label,
    };
}
