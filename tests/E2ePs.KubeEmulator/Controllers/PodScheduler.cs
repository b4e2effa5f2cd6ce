using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Kubelet;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Places pods on nodes by their resource requests (the NodeResourcesFit filter), or leaves them Pending
/// with PodScheduled=False/Unschedulable and a FailedScheduling event worded like kube-scheduler's.
/// Runs on the simulation thread.
/// </summary>
internal sealed class PodScheduler(Cluster cluster)
{
    private sealed class NodeState(NodeSpec spec)
    {
        public NodeSpec Spec { get; } = spec;

        public double Cpu { get; } = Quantity.Parse(spec.Cpu);

        public double Memory { get; } = Quantity.Parse(spec.Memory);

        public double UsedCpu { get; set; }

        public double UsedMemory { get; set; }

        public int UsedPods { get; set; }
    }

    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Node, double Cpu, double Memory)> _placed = new(StringComparer.Ordinal);
    /// <summary>Pods waiting for room, in arrival order, with their requests (so retries need no store access).</summary>
    private readonly Dictionary<(string? Ns, string Name), (double Cpu, double Memory)> _unschedulable = [];
    private readonly Lock _lock = new();

    public void SetNodes(IEnumerable<NodeSpec> nodes)
    {
        var list = nodes.ToList();
        lock (_lock)
        {
            foreach (var n in _nodes.Keys.Except(list.Select(n => n.Name)).ToList())
            {
                _nodes.Remove(n);
                cluster.Store.Remove(ResourceCatalog.Nodes, null, n);
            }

            foreach (var spec in list)
            {
                var state = new NodeState(spec);
                if (_nodes.TryGetValue(spec.Name, out var old))
                {
                    state.UsedCpu = old.UsedCpu;
                    state.UsedMemory = old.UsedMemory;
                    state.UsedPods = old.UsedPods;
                }

                _nodes[spec.Name] = state;
                WriteNode(spec);
            }
        }

        cluster.Loop.Post(RetryUnschedulable);
    }

    /// <summary>How many nodes there are.</summary>
    public int NodeCount
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Count;
            }
        }
    }

    /// <summary>The shape of the autoscaled node group's nodes: the first node's.</summary>
    public NodeSpec Template
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Select(n => n.Spec).FirstOrDefault() ?? new NodeSpec();
            }
        }
    }

    /// <summary>Registers one more node shaped like <paramref name="template"/> (a node the autoscaler brought), and gives waiting pods another chance.</summary>
    public void AddNode(NodeSpec template)
    {
        NodeSpec spec;
        lock (_lock)
        {
            var n = _nodes.Count + 1;
            while (_nodes.ContainsKey($"emulator-node-{n}"))
            {
                n++;
            }

            spec = new NodeSpec { Name = $"emulator-node-{n}", Cpu = template.Cpu, Memory = template.Memory, Pods = template.Pods };
            _nodes[spec.Name] = new NodeState(spec);
            WriteNode(spec);
        }

        cluster.Loop.Post(RetryUnschedulable);
    }

    private void WriteNode(NodeSpec spec)
    {
        var capacity = new JsonObject { ["cpu"] = spec.Cpu, ["memory"] = spec.Memory, ["pods"] = spec.Pods.ToString(CultureInfo.InvariantCulture), ["ephemeral-storage"] = "100Gi" };
        var now = JsonDefaults.Time(DateTimeOffset.UtcNow);
        var node = new JsonObject
        {
            ["kind"] = "Node",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = spec.Name, ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = spec.Name, ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64" } },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = capacity.DeepClone(),
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status", ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now }),
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = NodeIp(spec.Name) }, new JsonObject { ["type"] = "Hostname", ["address"] = spec.Name }),
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = "v1.32.0", ["containerRuntimeVersion"] = "containerd://1.7.24", ["operatingSystem"] = "linux", ["architecture"] = "amd64" },
            },
        };
        if (cluster.Store.Get(ResourceCatalog.Nodes, null, spec.Name) is null)
        {
            cluster.Store.Create(ResourceCatalog.Nodes, node, dryRun: false);
        }
        else
        {
            cluster.Store.Update(ResourceCatalog.Nodes, node, null, dryRun: false);
        }
    }

    public string NodeIp(string node)
    {
        lock (_lock)
        {
            var index = _nodes.Keys.ToList().IndexOf(node);
            return string.Create(CultureInfo.InvariantCulture, $"172.18.0.{Math.Max(0, index) + 2}");
        }
    }

    public void OnPodEvent(StoreEvent e)
    {
        if (e.Type == "DELETED")
        {
            Release(e.Object.Uid);
            lock (_lock)
            {
                _unschedulable.Remove((e.Object.Namespace, e.Object.Name));
            }

            return;
        }

        var phase = e.Object.GetString("status.phase");
        if (phase is "Succeeded" or "Failed")
        {
            Release(e.Object.Uid);
            return;
        }

        if (e.Type == "ADDED" && !e.Object.HasDeletionTimestamp)
        {
            Schedule(e.Object);
        }
    }

    /// <summary>Frees the node resources of a finished or deleted pod and gives waiting pods another chance.</summary>
    private void Release(string uid)
    {
        bool released;
        lock (_lock)
        {
            released = _placed.Remove(uid, out var p);
            if (released && _nodes.TryGetValue(p.Node, out var n))
            {
                n.UsedCpu -= p.Cpu;
                n.UsedMemory -= p.Memory;
                n.UsedPods--;
            }
        }

        if (released)
        {
            RetryUnschedulable();
        }
    }

    /// <summary>Schedules waiting pods that fit now; the fit test uses cached requests, so a full cluster costs little.</summary>
    private void RetryUnschedulable()
    {
        List<(string? Ns, string Name)> candidates;
        lock (_lock)
        {
            candidates = [];
            var free = _nodes.Values.Select(n => (Cpu: n.Cpu - n.UsedCpu, Memory: n.Memory - n.UsedMemory, Pods: n.Spec.Pods - n.UsedPods)).ToList();
            foreach (var (key, req) in _unschedulable)
            {
                var index = free.FindIndex(f => f.Pods >= 1 && f.Cpu + 1e-9 >= req.Cpu && f.Memory + 0.5 >= req.Memory);
                if (index >= 0)
                {
                    free[index] = (free[index].Cpu - req.Cpu, free[index].Memory - req.Memory, free[index].Pods - 1);
                    candidates.Add(key);
                }
            }
        }

        foreach (var (ns, name) in candidates)
        {
            var pod = cluster.Store.Get(ResourceCatalog.Pods, ns, name);
            if (pod is not null && pod.GetString("spec.nodeName") is null && !pod.HasDeletionTimestamp)
            {
                Schedule(pod);
            }
            else
            {
                lock (_lock)
                {
                    _unschedulable.Remove((ns, name));
                }
            }
        }
    }

    private static (double Cpu, double Memory) Requests(JsonObject spec)
    {
        static (double, double) Sum(JsonArray? containers, bool max)
        {
            double cpu = 0, mem = 0;
            foreach (var c in containers?.OfType<JsonObject>() ?? [])
            {
                var res = c["resources"] as JsonObject;
                var req = res?["requests"] as JsonObject;
                var lim = res?["limits"] as JsonObject;
                var ccpu = Quantity.Parse(req.Str("cpu") ?? lim.Str("cpu"));
                var cmem = Quantity.Parse(req.Str("memory") ?? lim.Str("memory"));
                cpu = max ? Math.Max(cpu, ccpu) : cpu + ccpu;
                mem = max ? Math.Max(mem, cmem) : mem + cmem;
            }

            return (cpu, mem);
        }

        var (mainCpu, mainMem) = Sum(spec["containers"] as JsonArray, max: false);
        var (initCpu, initMem) = Sum(spec["initContainers"] as JsonArray, max: true);
        return (Math.Max(mainCpu, initCpu), Math.Max(mainMem, initMem));
    }

    private void Schedule(StoredObject pod)
    {
        var node = pod.GetString("spec.nodeName");
        var spec = pod.ToNode().Obj("spec");
        var (cpu, memory) = Requests(spec);
        if (node is not null)
        {
            Place(pod.Uid, node, cpu, memory);
            cluster.Kubelet.Start(pod);
            return;
        }

        var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        NodeState? chosen = null;
        int nodeCount;
        var refusals = cluster.NodeLifecycle.Refusals(spec); // cordoned or tainted nodes, read outside the lock
        lock (_lock)
        {
            nodeCount = _nodes.Count;
            foreach (var n in _nodes.Values)
            {
                var fits = true;
                if (refusals.TryGetValue(n.Spec.Name, out var refusal))
                {
                    Count(reasons, refusal);
                    continue;
                }

                if (n.UsedPods + 1 > n.Spec.Pods)
                {
                    Count(reasons, "Too many pods");
                    fits = false;
                }

                if (n.UsedCpu + cpu > n.Cpu + 1e-9)
                {
                    Count(reasons, "Insufficient cpu");
                    fits = false;
                }

                if (n.UsedMemory + memory > n.Memory + 0.5)
                {
                    Count(reasons, "Insufficient memory");
                    fits = false;
                }

                if (fits && (chosen is null || n.UsedPods < chosen.UsedPods))
                {
                    chosen = n;
                }
            }
        }

        if (chosen is null)
        {
            MarkUnschedulable(pod, nodeCount, reasons, cpu, memory);
            return;
        }

        lock (_lock)
        {
            _unschedulable.Remove((pod.Namespace, pod.Name));
        }

        Place(pod.Uid, chosen.Spec.Name, cpu, memory);
        var now = JsonDefaults.Time(DateTimeOffset.UtcNow);
        var bound = cluster.Store.Mutate(ResourceCatalog.Pods, pod.Namespace, pod.Name, p =>
        {
            p.Obj("spec")["nodeName"] = chosen.Spec.Name;
            PodStatus.SetCondition(p.Obj("status"), "PodScheduled", "True", null, null, now);
            return true;
        });
        if (bound is null)
        {
            Release(pod.Uid);
            return;
        }

        cluster.Events.RecordEventsV1(bound, "Normal", "Scheduled", $"Successfully assigned {pod.Namespace}/{pod.Name} to {chosen.Spec.Name}", "default-scheduler", "Binding");
        cluster.Kubelet.Start(bound);
    }

    private static void Count(SortedDictionary<string, int> reasons, string reason) => reasons[reason] = reasons.GetValueOrDefault(reason) + 1;

    private void Place(string uid, string node, double cpu, double memory)
    {
        lock (_lock)
        {
            if (_placed.ContainsKey(uid) || !_nodes.TryGetValue(node, out var n))
            {
                return;
            }

            _placed[uid] = (node, cpu, memory);
            n.UsedCpu += cpu;
            n.UsedMemory += memory;
            n.UsedPods++;
        }
    }

    private void MarkUnschedulable(StoredObject pod, int nodeCount, SortedDictionary<string, int> reasons, double cpu, double memory)
    {
        bool known;
        lock (_lock)
        {
            known = !_unschedulable.TryAdd((pod.Namespace, pod.Name), (cpu, memory));
        }

        var detail = string.Join(", ", reasons.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Value} {r.Key}")));
        var message = string.Create(CultureInfo.InvariantCulture,
            $"0/{nodeCount} nodes are available: {detail}. preemption: 0/{nodeCount} nodes are available: {nodeCount} No preemption victims found for incoming pod.");
        if (nodeCount == 0)
        {
            message = "no nodes available to schedule pods";
        }

        var now = JsonDefaults.Time(DateTimeOffset.UtcNow);
        var updated = cluster.Store.Mutate(ResourceCatalog.Pods, pod.Namespace, pod.Name, p =>
        {
            PodStatus.SetCondition(p.Obj("status"), "PodScheduled", "False", "Unschedulable", message, now);
            return true;
        });
        if (updated is not null && !known)
        {
            cluster.Events.RecordEventsV1(updated, "Warning", "FailedScheduling", message, "default-scheduler", "Scheduling");
            cluster.Autoscaler.OnUnschedulable(updated, cpu, memory);
        }
    }
}
