using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Http;

/// <summary>
/// Reads the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the kinds kubectl's typed clients POST as
/// protobuf (kubectl create namespace/configmap/secret/serviceaccount/role/rolebinding/service, kubectl auth can-i), turning
/// them into the JSON the rest of the emulator works with. Answers are always JSON, which those clients accept.
/// </summary>
internal static class ProtobufDecoder
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private enum Kind
    {
        String,
        Bytes,
        Varint,
        Bool,
        Time,
        Message,
        MapString,
        MapBytes,
        IntOrString,
    }

    private sealed record Field(string Name, Kind Kind, bool Repeated = false, Dictionary<int, Field>? Schema = null);

    private static readonly Dictionary<int, Field> Time = [];

    private static readonly Dictionary<int, Field> OwnerReference = new()
    {
        [5] = new("apiVersion", Kind.String), [1] = new("kind", Kind.String), [3] = new("name", Kind.String), [4] = new("uid", Kind.String),
        [6] = new("controller", Kind.Bool), [7] = new("blockOwnerDeletion", Kind.Bool),
    };

    private static readonly Dictionary<int, Field> ObjectMeta = new()
    {
        [1] = new("name", Kind.String), [2] = new("generateName", Kind.String), [3] = new("namespace", Kind.String),
        [5] = new("uid", Kind.String), [6] = new("resourceVersion", Kind.String), [7] = new("generation", Kind.Varint),
        [11] = new("labels", Kind.MapString), [12] = new("annotations", Kind.MapString),
        [13] = new("ownerReferences", Kind.Message, true, OwnerReference), [14] = new("finalizers", Kind.String, true),
    };

    private static readonly Dictionary<int, Field> PolicyRule = new()
    {
        [1] = new("verbs", Kind.String, true), [2] = new("apiGroups", Kind.String, true), [3] = new("resources", Kind.String, true),
        [4] = new("resourceNames", Kind.String, true), [5] = new("nonResourceURLs", Kind.String, true),
    };

    private static readonly Dictionary<int, Field> Subject = new()
    {
        [1] = new("kind", Kind.String), [2] = new("apiGroup", Kind.String), [3] = new("name", Kind.String), [4] = new("namespace", Kind.String),
    };

    private static readonly Dictionary<int, Field> RoleRef = new()
    {
        [1] = new("apiGroup", Kind.String), [2] = new("kind", Kind.String), [3] = new("name", Kind.String),
    };

    private static readonly Dictionary<int, Field> LocalObjectReference = new() { [1] = new("name", Kind.String) };

    private static readonly Dictionary<int, Field> ObjectReference = new()
    {
        [1] = new("kind", Kind.String), [2] = new("namespace", Kind.String), [3] = new("name", Kind.String),
    };

    private static readonly Dictionary<int, Field> ResourceAttributes = new()
    {
        [1] = new("namespace", Kind.String), [2] = new("verb", Kind.String), [3] = new("group", Kind.String), [4] = new("version", Kind.String),
        [5] = new("resource", Kind.String), [6] = new("subresource", Kind.String), [7] = new("name", Kind.String),
    };

    // kubernetes/kubernetes staging/src/k8s.io/api/core/v1/generated.proto (ServicePort, ServiceSpec).
    private static readonly Dictionary<int, Field> ServicePort = new()
    {
        [1] = new("name", Kind.String), [2] = new("protocol", Kind.String), [6] = new("appProtocol", Kind.String),
        [3] = new("port", Kind.Varint), [4] = new("targetPort", Kind.IntOrString), [5] = new("nodePort", Kind.Varint),
    };

    private static readonly Dictionary<int, Field> ServiceSpec = new()
    {
        [1] = new("ports", Kind.Message, true, ServicePort), [2] = new("selector", Kind.MapString), [3] = new("clusterIP", Kind.String),
        [18] = new("clusterIPs", Kind.String, true), [4] = new("type", Kind.String), [5] = new("externalIPs", Kind.String, true),
        [7] = new("sessionAffinity", Kind.String), [8] = new("loadBalancerIP", Kind.String), [9] = new("loadBalancerSourceRanges", Kind.String, true),
        [10] = new("externalName", Kind.String), [11] = new("externalTrafficPolicy", Kind.String), [12] = new("healthCheckNodePort", Kind.Varint),
        [13] = new("publishNotReadyAddresses", Kind.Bool), [19] = new("ipFamilies", Kind.String, true), [17] = new("ipFamilyPolicy", Kind.String),
        [20] = new("allocateLoadBalancerNodePorts", Kind.Bool), [21] = new("loadBalancerClass", Kind.String), [22] = new("internalTrafficPolicy", Kind.String),
        [23] = new("trafficDistribution", Kind.String),
    };

    // staging/src/k8s.io/apimachinery/pkg/util/intstr/generated.proto: type 0 is intVal, 1 is strVal.
    private static readonly Dictionary<int, Field> IntOrString = new()
    {
        [1] = new("type", Kind.Varint), [2] = new("intVal", Kind.Varint), [3] = new("strVal", Kind.String),
    };

    private static readonly Dictionary<int, Field> NonResourceAttributes = new() { [1] = new("path", Kind.String), [2] = new("verb", Kind.String) };

    private static readonly Dictionary<string, Dictionary<int, Field>> Kinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("spec", Kind.Message, false, new() { [1] = new("finalizers", Kind.String, true) }) },
        ["ConfigMap"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("data", Kind.MapString), [3] = new("binaryData", Kind.MapBytes), [4] = new("immutable", Kind.Bool) },
        ["Secret"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("data", Kind.MapBytes), [3] = new("type", Kind.String), [4] = new("stringData", Kind.MapString), [5] = new("immutable", Kind.Bool) },
        ["Service"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("spec", Kind.Message, false, ServiceSpec) },
        ["ServiceAccount"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("secrets", Kind.Message, true, ObjectReference), [3] = new("imagePullSecrets", Kind.Message, true, LocalObjectReference), [4] = new("automountServiceAccountToken", Kind.Bool) },
        ["Role"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("rules", Kind.Message, true, PolicyRule) },
        ["ClusterRole"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("rules", Kind.Message, true, PolicyRule) },
        ["RoleBinding"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("subjects", Kind.Message, true, Subject), [3] = new("roleRef", Kind.Message, false, RoleRef) },
        ["ClusterRoleBinding"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta), [2] = new("subjects", Kind.Message, true, Subject), [3] = new("roleRef", Kind.Message, false, RoleRef) },
        ["SelfSubjectAccessReview"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("spec", Kind.Message, false, new() { [1] = new("resourceAttributes", Kind.Message, false, ResourceAttributes), [2] = new("nonResourceAttributes", Kind.Message, false, NonResourceAttributes) }),
        },
    };

    private static readonly Dictionary<int, Field> TypeMeta = new() { [1] = new("apiVersion", Kind.String), [2] = new("kind", Kind.String) };

    /// <summary>Decodes an envelope into a JSON object with apiVersion and kind; 415 for kinds it does not know.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || !body[..4].SequenceEqual("k8s\0"u8))
        {
            throw ApiError.BadRequest("protobuf body without the k8s envelope");
        }

        var envelope = Message(body[4..], new Dictionary<int, Field> { [1] = new("typeMeta", Kind.Message, false, TypeMeta), [2] = new("raw", Kind.Bytes) });
        var kind = envelope["typeMeta"].Str("kind") ?? "";
        if (!Kinds.TryGetValue(kind, out var schema))
        {
            throw new ApiError(415, "UnsupportedMediaType", $"the emulator does not decode protobuf {kind}; send application/json");
        }

        var raw = Convert.FromBase64String(envelope.Str("raw") ?? "");
        var result = new JsonObject { ["kind"] = kind, ["apiVersion"] = envelope["typeMeta"].Str("apiVersion") };
        foreach (var (k, v) in Message(raw, schema))
        {
            result[k] = v?.DeepClone();
        }

        return result;
    }

    private static JsonObject Message(ReadOnlySpan<byte> data, Dictionary<int, Field> schema)
    {
        var result = new JsonObject();
        var pos = 0;
        while (pos < data.Length)
        {
            var tag = Varint(data, ref pos);
            var number = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            ulong scalar = 0;
            ReadOnlySpan<byte> bytes = default;
            switch (wire)
            {
                case 0:
                    scalar = Varint(data, ref pos);
                    break;
                case 1:
                    pos += 8;
                    break;
                case 2:
                    var length = (int)Varint(data, ref pos);
                    bytes = data.Slice(pos, length);
                    pos += length;
                    break;
                case 5:
                    pos += 4;
                    break;
                default:
                    throw ApiError.BadRequest($"protobuf: unsupported wire type {wire}");
            }

            if (!schema.TryGetValue(number, out var field))
            {
                continue;
            }

            JsonNode? value = field.Kind switch
            {
                Kind.String => JsonValue.Create(System.Text.Encoding.UTF8.GetString(bytes)),
                Kind.Bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
                Kind.Varint => JsonValue.Create((long)scalar),
                Kind.IntOrString => IntOrStringValue(Message(bytes, IntOrString)),
                Kind.Bool => JsonValue.Create(scalar != 0),
                Kind.Message => Message(bytes, field.Schema ?? Time),
                Kind.MapString or Kind.MapBytes => null,
                _ => null,
            };
            if (field.Kind is Kind.MapString or Kind.MapBytes)
            {
                var entry = Message(bytes, new Dictionary<int, Field> { [1] = new("key", Kind.String), [2] = new("value", field.Kind == Kind.MapBytes ? Kind.Bytes : Kind.String) });
                var map = result.Obj(field.Name);
                map[entry.Str("key") ?? ""] = entry.Str("value") ?? "";
            }
            else if (field.Repeated)
            {
                result.Arr(field.Name).Add(value);
            }
            else if (!(field.Kind == Kind.String && bytes.Length == 0) && !(field.Kind == Kind.Varint && scalar == 0))
            {
                // Empty strings and zero numbers are "omitempty" in the JSON form (a ServicePort's unset nodePort).
                result[field.Name] = value;
            }
        }

        return result;
    }

    private static JsonValue IntOrStringValue(JsonObject decoded) =>
        decoded["type"]?.GetValue<long>() == 1 ? JsonValue.Create(decoded.Str("strVal") ?? "") : JsonValue.Create(decoded["intVal"]?.GetValue<long>() ?? 0);

    private static ulong Varint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }

            shift += 7;
        }
    }
}
