using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>Looks up a Secret or ConfigMap of the pod's namespace ("secrets"/"configmaps", name), as the API returns it; null when absent.</summary>
internal delegate JsonObject? ObjectLookup(string resource, string name);

/// <summary>Everything buildah needs to run one container: argv, env, working dir, user, mounts.</summary>
internal sealed record RunSpec(IReadOnlyList<string> Argv, IReadOnlyList<KeyValuePair<string, string>> Env, string? WorkingDir, string? User, IReadOnlyList<VolumeBind> Mounts);

/// <summary>A host folder or file bound into the container.</summary>
internal sealed record VolumeBind(string HostPath, string ContainerPath, bool ReadOnly);

/// <summary>
/// Turns a container of the pod spec plus its image config into a <see cref="RunSpec"/> the way the kubelet does:
/// env from envFrom then env (valueFrom: secretKeyRef, configMapKeyRef, fieldRef) with $(VAR) expansion
/// (pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables and podFieldSelectorRuntimeValue); command and args over
/// the image's Entrypoint and Cmd (pkg/kubelet/kuberuntime/helpers.go, ... and kubecontainer.ExpandContainerCommandAndArgs);
/// securityContext runAsUser/runAsGroup of the container over the pod's (pkg/securitycontext/util.go, DetermineEffectiveSecurityContext).
/// </summary>
internal static class ContainerSpec
{
    public static RunSpec Resolve(JsonObject pod, JsonObject container, ImageConfig image, string podIp, string hostIp, ObjectLookup lookup, IReadOnlyDictionary<string, string> volumes)
    {
        var env = ResolveEnv(pod, container, podIp, hostIp, lookup);
        var values = env.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        string? Lookup(string name) => values.TryGetValue(name, out var v) ? v : null;

        var command = Strings(container["command"]);
        var args = Strings(container["args"]);
        var argv = new List<string>();
        if (command.Count > 0)
        {
            argv.AddRange(command.Select(c => EnvExpansion.Expand(c, Lookup)));
            argv.AddRange(args.Select(a => EnvExpansion.Expand(a, Lookup)));
        }
        else
        {
            argv.AddRange(image.Entrypoint);
            argv.AddRange(args.Count > 0 ? args.Select(a => EnvExpansion.Expand(a, Lookup)) : image.Cmd);
        }

        if (argv.Count == 0)
        {
            throw new ContainerConfigError("no command specified");
        }

        var podSecurity = pod.Obj("spec")["securityContext"] as JsonObject;
        var containerSecurity = container["securityContext"] as JsonObject;
        var uid = containerSecurity?.Num("runAsUser") ?? podSecurity?.Num("runAsUser");
        var gid = containerSecurity?.Num("runAsGroup") ?? podSecurity?.Num("runAsGroup");
        string? user = uid is null ? (gid is null ? null : (image.User.Length > 0 ? image.User.Split(':')[0] : "0") + ":" + gid.Value.ToString(CultureInfo.InvariantCulture))
            : uid.Value.ToString(CultureInfo.InvariantCulture) + (gid is null ? "" : ":" + gid.Value.ToString(CultureInfo.InvariantCulture));

        var mounts = new List<VolumeBind>();
        foreach (var m in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = m.Str("name") ?? "";
            if (!volumes.TryGetValue(name, out var host))
            {
                throw new ContainerConfigError($"cannot find volume \"{name}\" to mount into container \"{container.Str("name")}\"");
            }

            var subPath = m.Str("subPath") ?? (m.Str("subPathExpr") is { } expr ? EnvExpansion.Expand(expr, Lookup) : null);
            if (!string.IsNullOrEmpty(subPath))
            {
                if (Path.IsPathRooted(subPath) || subPath.Split('/').Contains(".."))
                {
                    throw new ContainerConfigError($"error SubPath `{subPath}` must not be an absolute path or contain '..'");
                }

                host = Path.Combine(host, subPath);
                if (!File.Exists(host))
                {
                    Directory.CreateDirectory(host);
                }
            }

            mounts.Add(new VolumeBind(host, m.Str("mountPath") ?? "/", m.Flag("readOnly") || PodVolumes.IsReadOnly(pod, name)));
        }

        var workingDir = container.Str("workingDir");
        return new RunSpec(argv, env, string.IsNullOrEmpty(workingDir) ? null : workingDir, user, mounts);
    }

    /// <summary>envFrom first, then env, each value expanded against what was defined before it.</summary>
    public static List<KeyValuePair<string, string>> ResolveEnv(JsonObject pod, JsonObject container, string podIp, string hostIp, ObjectLookup lookup)
    {
        var ns = pod.Obj("metadata").Str("namespace") ?? "default";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Set(string name, string value)
        {
            if (!result.ContainsKey(name))
            {
                order.Add(name);
            }

            result[name] = value;
        }

        foreach (var from in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var prefix = from.Str("prefix") ?? "";
            foreach (var (key, value) in EnvFromData(from, lookup) ?? [])
            {
                Set(prefix + key, Encoding.UTF8.GetString(value));
            }
        }

        foreach (var e in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = e.Str("name") ?? "";
            string? value;
            if (e["valueFrom"] is JsonObject from)
            {
                value = ValueFrom(pod, ns, from, podIp, hostIp, lookup);
                if (value is null)
                {
                    continue;
                }
            }
            else
            {
                value = EnvExpansion.Expand(e.Str("value") ?? "", n => result.TryGetValue(n, out var v) ? v : null);
            }

            Set(name, value);
        }

        return order.Select(n => new KeyValuePair<string, string>(n, result[n])).ToList();
    }

    /// <summary>A valueFrom's value; null for an optional reference that is absent (the variable is left out).</summary>
    private static string? ValueFrom(JsonObject pod, string ns, JsonObject from, string podIp, string hostIp, ObjectLookup lookup)
    {
        if (from["fieldRef"] is JsonObject field)
        {
            return FieldValue(pod, field.Str("fieldPath") ?? "", podIp, hostIp);
        }

        var (resource, kind, reference) = from["secretKeyRef"] is JsonObject s ? ("secrets", "Secret", s) : from["configMapKeyRef"] is JsonObject c ? ("configmaps", "ConfigMap", c) : ("", "", null);
        if (reference is null)
        {
            // resourceFieldRef: the runtime enforces no resources, so there is no honest value to give.
            throw new ContainerConfigError($"valueFrom {string.Join(",", from.Select(p => p.Key))} is not supported by the emulator's buildah runtime");
        }

        return KeyValue(ns, resource, kind, reference, lookup);
    }

    /// <summary>
    /// Throws the CreateContainerConfigError a kubelet reports when the Secrets, ConfigMaps and keys a container's env and
    /// envFrom name are missing and not optional (pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables). The simulated
    /// runtime calls it before it starts a container; the real one meets the same errors while it resolves the env.
    /// </summary>
    public static void VerifyEnvReferences(JsonObject pod, JsonObject container, ObjectLookup lookup)
    {
        var ns = pod.Obj("metadata").Str("namespace") ?? "default";
        foreach (var from in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            _ = EnvFromData(from, lookup);
        }

        foreach (var from in (container["env"] as JsonArray ?? []).OfType<JsonObject>().Select(e => e["valueFrom"]).OfType<JsonObject>())
        {
            if (from["secretKeyRef"] is JsonObject s)
            {
                _ = KeyValue(ns, "secrets", "Secret", s, lookup);
            }
            else if (from["configMapKeyRef"] is JsonObject c)
            {
                _ = KeyValue(ns, "configmaps", "ConfigMap", c, lookup);
            }
        }
    }

    /// <summary>An envFrom source's data; null when it is optional and absent.</summary>
    private static Dictionary<string, byte[]>? EnvFromData(JsonObject from, ObjectLookup lookup)
    {
        var (resource, reference) = from["configMapRef"] is JsonObject cm ? ("configmaps", cm) : ("secrets", from.Obj("secretRef"));
        var name = reference.Str("name") ?? "";
        var source = lookup(resource, name);
        if (source is null)
        {
            return reference.Flag("optional") ? null : throw new ContainerConfigError(NotFound(resource, name));
        }

        return DataOf(source, resource == "secrets");
    }

    /// <summary>The value of a secretKeyRef or configMapKeyRef; null when it is optional and absent.</summary>
    private static string? KeyValue(string ns, string resource, string kind, JsonObject reference, ObjectLookup lookup)
    {
        var name = reference.Str("name") ?? "";
        var key = reference.Str("key") ?? "";
        var optional = reference.Flag("optional");
        var source = lookup(resource, name);
        if (source is null)
        {
            return optional ? null : throw new ContainerConfigError(NotFound(resource, name));
        }

        var data = DataOf(source, resource == "secrets");
        if (!data.TryGetValue(key, out var bytes))
        {
            return optional ? null : throw new ContainerConfigError($"couldn't find key {key} in {kind} {ns}/{name}");
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The API server's NotFound message, which the kubelet passes on (secret "x" not found).</summary>
    public static string NotFound(string resource, string name) => $"{(resource == "secrets" ? "secret" : "configmap")} \"{name}\" not found";

    /// <summary>
    /// data (base64 for Secrets) and binaryData of ConfigMaps (base64). The emulator's store keeps a Secret's stringData
    /// as written, where the API server merges it into data (stringData wins, pkg/apis/core/v1/conversion.go): merged here.
    /// </summary>
    public static Dictionary<string, byte[]> DataOf(JsonObject source, bool secret)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in source["data"] as JsonObject ?? [])
        {
            var text = value?.ToString() ?? "";
            result[key] = secret ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
        }

        if (secret)
        {
            foreach (var (key, value) in source["stringData"] as JsonObject ?? [])
            {
                result[key] = Encoding.UTF8.GetBytes(value?.ToString() ?? "");
            }
        }
        else
        {
            foreach (var (key, value) in source["binaryData"] as JsonObject ?? [])
            {
                result[key] = Convert.FromBase64String(value?.ToString() ?? "");
            }
        }

        return result;
    }

    /// <summary>The pod fields env can refer to (pkg/fieldpath/fieldpath.go ExtractFieldPathAsString, kubelet_pods.go podFieldSelectorRuntimeValue).</summary>
    public static string FieldValue(JsonObject pod, string path, string podIp, string hostIp)
    {
        var meta = pod.Obj("metadata");
        var spec = pod.Obj("spec");
        if (path.StartsWith("metadata.labels['", StringComparison.Ordinal) || path.StartsWith("metadata.annotations['", StringComparison.Ordinal))
        {
            var open = path.IndexOf('[', StringComparison.Ordinal);
            var key = path[(open + 2)..^2];
            return (meta[path[9..open]] as JsonObject)?.Str(key) ?? "";
        }

        return path switch
        {
            "metadata.name" => meta.Str("name") ?? "",
            "metadata.namespace" => meta.Str("namespace") ?? "",
            "metadata.uid" => meta.Str("uid") ?? "",
            "metadata.labels" or "metadata.annotations" => string.Join('\n', (meta[path[9..]] as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{p.Value}\"")),
            "spec.nodeName" => spec.Str("nodeName") ?? "",
            "spec.serviceAccountName" => spec.Str("serviceAccountName") ?? "",
            "status.podIP" or "status.podIPs" => podIp,
            "status.hostIP" or "status.hostIPs" => hostIp,
            _ => throw new ContainerConfigError($"unsupported fieldPath: {path}"),
        };
    }

    private static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(n => n?.ToString() ?? "").ToList();
}
