using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Cluster Autoscaler with one node group ("emulator-pool", nodes shaped like the first node), on when
/// <see cref="EmulatorOptions.AutoscaleAfter"/> is set. As kubernetes/autoscaler cluster-autoscaler does, it acts on
/// pods with PodScheduled=False/Unschedulable only (FAQ.md, "How does scale-up work?") and records on the pod, as
/// component "cluster-autoscaler" through client-go's legacy recorder (utils/kubernetes/events.go), Normal events:
/// TriggeredScaleUp "pod triggered scale-up: [{group current->new (max: M)}]" or NotTriggerScaleUp
/// "pod didn't trigger scale-up: 1 max node group size reached" / "1 Insufficient memory"
/// (processors/status/eventing_scale_up_processor.go, processors/nodegroupset ScaleUpInfo.String, the skipped and
/// rejected reasons of core/scaleup). A scale-up is also a ScaledUpGroup event on the kube-system/cluster-autoscaler-status
/// ConfigMap (core/scaleup/orchestrator/executor.go), which the autoscaler publishes while it runs (FAQ.md, "How can I
/// check what is going on in CA?"). The node registers AutoscaleAfter later, and the scheduler places the pod on it.
/// Runs on the simulation thread.
/// </summary>
internal sealed class Autoscaler(Cluster cluster)
{
    /// <summary>The node group's id, as a cloud provider would name it.</summary>
    public const string GroupId = "emulator-pool";

    /// <summary>The ConfigMap the autoscaler publishes its status in (--status-config-map-name), in its namespace (--namespace, kube-system).</summary>
    public const string StatusConfigMap = "cluster-autoscaler-status";

    /// <summary>Annotation with the time of the status's last update (clusterstate/utils/status.go ConfigMapLastUpdatedKey).</summary>
    public const string LastUpdatedAnnotation = "cluster-autoscaler.kubernetes.io/last-updated";

    private const string Component = "cluster-autoscaler";

    private readonly HashSet<string> _served = new(StringComparer.Ordinal);
    private int _upcoming;

    public bool Enabled => cluster.Options.AutoscaleAfter is not null;

    /// <summary>Publishes the status ConfigMap, as a running autoscaler does from its first loop.</summary>
    public void Start()
    {
        if (Enabled)
        {
            WriteStatus("NoActivity");
        }
    }

    /// <summary>
    /// A pod the scheduler has just found Unschedulable, with its requests. Upstream looks at such pods on its next scan
    /// (every 10 s, --scan-interval); here on the next step.
    /// </summary>
    public void OnUnschedulable(StoredObject pod, double cpu, double memory)
    {
        if (!Enabled || !_served.Add(pod.Uid))
        {
            return;
        }

        cluster.Loop.Schedule(cluster.Step, () => Consider(pod.Namespace, pod.Name, pod.Uid, cpu, memory));
    }

    private void Consider(string? ns, string name, string uid, double cpu, double memory)
    {
        var pod = cluster.Store.Get(ResourceCatalog.Pods, ns, name);
        if (pod is null || pod.Uid != uid || pod.GetString("spec.nodeName") is not null)
        {
            return;
        }

        var template = cluster.Scheduler.Template;
        var max = cluster.Options.AutoscaleMaxNodes;
        var current = cluster.Scheduler.NodeCount + _upcoming;
        string? refused = null;
        if (cpu > Kubelet.Quantity.Parse(template.Cpu) + 1e-9)
        {
            refused = "1 Insufficient cpu";
        }
        else if (memory > Kubelet.Quantity.Parse(template.Memory) + 0.5)
        {
            refused = "1 Insufficient memory";
        }
        else if (current >= max)
        {
            refused = "1 max node group size reached";
        }

        if (refused is not null)
        {
            cluster.Events.Record(pod, "Normal", "NotTriggerScaleUp", $"pod didn't trigger scale-up: {refused}", Component);
            _served.Remove(uid);
            return;
        }

        _upcoming++;
        var info = string.Create(CultureInfo.InvariantCulture, $"{{{GroupId} {current}->{current + 1} (max: {max})}}");
        cluster.Events.Record(pod, "Normal", "TriggeredScaleUp", $"pod triggered scale-up: [{info}]", Component);
        if (WriteStatus("InProgress") is { } status)
        {
            cluster.Events.Record(status, "Normal", "ScaledUpGroup",
                string.Create(CultureInfo.InvariantCulture, $"Scale-up: setting group {GroupId} size to {current + 1} instead of {current} (max: {max})"), Component);
        }

        cluster.Loop.Schedule(cluster.Options.AutoscaleAfter!.Value, () =>
        {
            _upcoming--;
            _served.Remove(uid);
            cluster.Scheduler.AddNode(template);
            WriteStatus(_upcoming > 0 ? "InProgress" : "NoActivity");
        });
    }

    /// <summary>Writes the status ConfigMap: a short form of the autoscaler's YAML status (clusterstate/api) with its last-updated annotation.</summary>
    private StoredObject? WriteStatus(string scaleUp)
    {
        var now = DateTimeOffset.UtcNow;
        var time = now.ToString("yyyy-MM-dd HH:mm:ss.fffffff +0000 'UTC'", CultureInfo.InvariantCulture);
        var status = string.Create(CultureInfo.InvariantCulture, $"""
            time: {time}
            autoscalerStatus: Running
            clusterWide:
              health:
                status: Healthy
                nodeCounts:
                  registered:
                    total: {cluster.Scheduler.NodeCount}
                    ready: {cluster.Scheduler.NodeCount}
              scaleUp:
                status: {scaleUp}
            nodeGroups:
            - name: {GroupId}
              health:
                status: Healthy
                cloudProviderTarget: {cluster.Scheduler.NodeCount + _upcoming}
                minSize: 1
                maxSize: {cluster.Options.AutoscaleMaxNodes}
              scaleUp:
                status: {scaleUp}
            """);
        var configMap = new JsonObject
        {
            ["kind"] = "ConfigMap",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = StatusConfigMap,
                ["namespace"] = "kube-system",
                ["annotations"] = new JsonObject { [LastUpdatedAnnotation] = time },
            },
            ["data"] = new JsonObject { ["status"] = status },
        };
        var type = ResourceCatalog.Get("", "configmaps");
        try
        {
            return cluster.Store.Get(type, "kube-system", StatusConfigMap) is null
                ? cluster.Store.Create(type, configMap, dryRun: false)
                : cluster.Store.Update(type, configMap, null, dryRun: false);
        }
        catch (Http.ApiError)
        {
            // Someone deleted kube-system; the autoscaler only logs a failed status write.
            return null;
        }
    }
}
