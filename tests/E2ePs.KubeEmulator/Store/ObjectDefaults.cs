using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;

namespace E2ePs.KubeEmulator.Store;

/// <summary>The defaults and validation the API server applies on create, for the kinds E2E jobs use.</summary>
internal sealed class ObjectDefaults
{
    private readonly Lock _ipLock = new();
    private readonly HashSet<uint> _usedIps = [];
    private uint _nextIp = (10u << 24) | (96u << 16) | 10; // 10.96.0.1 is "kubernetes", 10.96.0.10 is DNS

    public void OnCreate(ResourceType type, JsonObject obj)
    {
        var meta = obj.Obj("metadata");
        switch (type.Kind)
        {
            case "Job":
                DefaultJob(obj, meta);
                break;
            case "Pod":
                DefaultPodSpec(obj.Obj("spec"), ValidateName(type, meta));
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(obj.Obj("spec")) };
                break;
            case "Service":
                DefaultService(obj.Obj("spec"));
                break;
            case "Namespace":
                meta.Obj("labels")["kubernetes.io/metadata.name"] = meta.Str("name");
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
        }
    }

    private static string ValidateName(ResourceType type, JsonObject meta) => meta.Str("name") ?? throw ApiError.Invalid(type, "", "metadata.name: Required value");

    private static void DefaultJob(JsonObject job, JsonObject meta)
    {
        var name = ValidateName(ResourceCatalog.Jobs, meta);
        var uid = meta.Str("uid") ?? Guid.NewGuid().ToString();
        meta["uid"] = uid;
        meta["generation"] = 1;
        var spec = job.Obj("spec");
        var template = spec.Obj("template");
        var podSpec = template.Obj("spec");
        var restart = podSpec.Str("restartPolicy");
        if (restart is not ("Never" or "OnFailure"))
        {
            throw ApiError.Invalid(ResourceCatalog.Jobs, name,
                restart is null
                    ? "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
                    : $"spec.template.spec.restartPolicy: Unsupported value: \"{restart}\": supported values: \"OnFailure\", \"Never\"");
        }

        if (podSpec["containers"] is not JsonArray { Count: > 0 })
        {
            throw ApiError.Invalid(ResourceCatalog.Jobs, name, "spec.template.spec.containers: Required value");
        }

        if (spec["podFailurePolicy"] is JsonObject && restart != "Never")
        {
            // pkg/apis/batch/validation/validation.go (validateJobSpec)
            throw ApiError.Invalid(ResourceCatalog.Jobs, name, $"spec.template.spec.restartPolicy: Invalid value: \"{restart}\": only \"Never\" is supported when podFailurePolicy is specified");
        }

        spec.SetDefault("parallelism", 1);
        spec.SetDefault("completions", 1);
        spec.SetDefault("backoffLimit", 6);
        spec.SetDefault("completionMode", "NonIndexed");
        spec.SetDefault("suspend", false);
        // pkg/apis/batch/v1/defaults.go: Failed with a podFailurePolicy (which allows no other), else TerminatingOrFailed.
        spec.SetDefault("podReplacementPolicy", spec["podFailurePolicy"] is JsonObject ? "Failed" : "TerminatingOrFailed");
        if (!spec.Flag("manualSelector"))
        {
            spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        }

        var labels = template.Obj("metadata").Obj("labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        template.Obj("metadata").SetDefault("creationTimestamp", null);
        DefaultPodSpec(podSpec, name);
        job["status"] = new JsonObject();
    }

    public static void DefaultPodSpec(JsonObject spec, string name)
    {
        if (spec["containers"] is not JsonArray { Count: > 0 })
        {
            throw ApiError.Invalid(ResourceCatalog.Pods, name, "spec.containers: Required value");
        }

        spec.SetDefault("restartPolicy", "Always");
        spec.SetDefault("terminationGracePeriodSeconds", 30);
        spec.SetDefault("dnsPolicy", "ClusterFirst");
        spec.SetDefault("securityContext", new JsonObject());
        spec.SetDefault("schedulerName", "default-scheduler");
        foreach (var list in new[] { "initContainers", "containers" })
        {
            if (spec[list] is not JsonArray containers)
            {
                continue;
            }

            foreach (var c in containers.OfType<JsonObject>())
            {
                var image = c.Str("image") ?? "";
                c.SetDefault("terminationMessagePath", "/dev/termination-log");
                c.SetDefault("terminationMessagePolicy", "File");
                c.SetDefault("imagePullPolicy", ImageTag(image) == "latest" ? "Always" : "IfNotPresent");
                c.SetDefault("resources", new JsonObject());
                if (c["ports"] is JsonArray ports)
                {
                    foreach (var p in ports.OfType<JsonObject>())
                    {
                        p.SetDefault("protocol", "TCP");
                    }
                }
            }
        }
    }

    /// <summary>The tag of an image reference; "latest" when it has neither tag nor digest.</summary>
    public static string ImageTag(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return image[(image.IndexOf('@', StringComparison.Ordinal) + 1)..];
        }

        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[(colon + 1)..] : "latest";
    }

    private static string QosClass(JsonObject spec)
    {
        var containers = spec["containers"]!.AsArray().OfType<JsonObject>().ToList();
        var anyResources = containers.Any(c => c["resources"] is JsonObject r && (r["requests"] is JsonObject { Count: > 0 } || r["limits"] is JsonObject { Count: > 0 }));
        if (!anyResources)
        {
            return "BestEffort";
        }

        var guaranteed = containers.All(c =>
            c["resources"] is JsonObject r && r["limits"] is JsonObject limits && limits["cpu"] is not null && limits["memory"] is not null &&
            (r["requests"] is not JsonObject req || (JsonNode.DeepEquals(req["cpu"] ?? limits["cpu"], limits["cpu"]) && JsonNode.DeepEquals(req["memory"] ?? limits["memory"], limits["memory"]))));
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    private void DefaultService(JsonObject spec)
    {
        spec.SetDefault("type", "ClusterIP");
        spec.SetDefault("sessionAffinity", "None");
        if (spec.Str("clusterIP") != "None")
        {
            var ip = spec.Str("clusterIP") ?? AllocateIp();
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
        }

        spec.SetDefault("ipFamilies", new JsonArray("IPv4"));
        spec.SetDefault("ipFamilyPolicy", "SingleStack");
        spec.SetDefault("internalTrafficPolicy", "Cluster");
        if (spec["ports"] is JsonArray ports)
        {
            foreach (var p in ports.OfType<JsonObject>())
            {
                p.SetDefault("protocol", "TCP");
                p.SetDefault("targetPort", p["port"]?.DeepClone());
            }
        }
    }

    /// <summary>Next free address of the 10.96.0.0/12 service range.</summary>
    public string AllocateIp()
    {
        lock (_ipLock)
        {
            const uint rangeEnd = (10u << 24) | (112u << 16);
            while (_usedIps.Contains(_nextIp) || (_nextIp & 0xFF) is 0 or 255)
            {
                _nextIp = _nextIp + 1 >= rangeEnd ? (10u << 24) | (96u << 16) | 11 : _nextIp + 1;
            }

            _usedIps.Add(_nextIp);
            var ip = _nextIp;
            return string.Create(CultureInfo.InvariantCulture, $"{ip >> 24}.{(ip >> 16) & 0xFF}.{(ip >> 8) & 0xFF}.{ip & 0xFF}");
        }
    }
}
