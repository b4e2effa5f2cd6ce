using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Logs;
using E2ePs.KubeEmulator.Scenarios;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Kubelet;

/// <summary>
/// Runs bound pods the way a kubelet does: sandbox, image pulls (with ErrImagePull/ImagePullBackOff), init containers in
/// order, main containers, termination, restarts, kills on deletion; writes pod status and events.
/// Every step is an action on the simulation loop, so thousands of pods cost no threads.
/// With --runtime buildah, pods whose images the configured registry serves run as real processes
/// (KubeletSimulator.Real.cs); the state machine, statuses and events here are shared by both.
/// </summary>
internal sealed partial class KubeletSimulator(Cluster cluster)
{
    private sealed class PodRuntime
    {
        public required string Namespace { get; init; }

        public required string Name { get; init; }

        public required string Uid { get; init; }

        public required string Node { get; init; }

        public required string RestartPolicy { get; init; }

        public required int Attempt { get; init; }

        public required List<ContainerRuntime> Init { get; init; }

        public required List<ContainerRuntime> Main { get; init; }

        public int InitIndex { get; set; }

        public bool SandboxReady { get; set; }

        public bool Finished { get; set; }

        public bool Killing { get; set; }

        public string PodIp { get; set; } = "";

        public DateTimeOffset StartTime { get; init; } = DateTimeOffset.UtcNow;

        public string? Phase { get; set; }

        /// <summary>Runs in the real runtime (buildah) rather than played back.</summary>
        public bool Real { get; init; }

        /// <summary>The pod's Secret and ConfigMap volumes could be set up (checked before its first container).</summary>
        public bool VolumesMounted { get; set; }

        /// <summary>Real runtime: volume name -> host folder, made before the first container.</summary>
        public Dictionary<string, string>? Volumes { get; set; }

        /// <summary>Real runtime: the pod is removed from the store once its processes have stopped.</summary>
        public bool RemoveWhenStopped { get; set; }

        public IEnumerable<ContainerRuntime> All => Init.Concat(Main);
    }

    private readonly Dictionary<string, PodRuntime> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _nodeImages = new(StringComparer.Ordinal);
    private int _podIpCounter;

    private TimeSpan Step => cluster.Step;

    /// <summary>Attempt number of a job's pod (index among the job's pods), set by the job controller before the pod is created.</summary>
    public Dictionary<string, int> PodAttempts { get; } = new(StringComparer.Ordinal);

    public void Start(StoredObject pod)
    {
        if (_pods.ContainsKey(pod.Uid) || pod.GetString("status.phase") is "Succeeded" or "Failed")
        {
            return;
        }

        var node = pod.ToNode();
        var spec = node.Obj("spec");
        var attempt = PodAttempts.Remove(pod.Namespace + "/" + pod.Name, out var a) ? a : 0;
        var rt = new PodRuntime
        {
            Namespace = pod.Namespace!,
            Name = pod.Name,
            Uid = pod.Uid,
            Node = spec.Str("nodeName")!,
            RestartPolicy = spec.Str("restartPolicy") ?? "Always",
            Attempt = attempt,
            Init = (spec["initContainers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new ContainerRuntime(c, true) { Reason = "PodInitializing" }).ToList(),
            Main = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new ContainerRuntime(c, false)).ToList(),
            Real = ServesForReal(spec),
        };
        if (rt.Init.Count > 0)
        {
            rt.Main.ForEach(c => c.Reason = "PodInitializing");
        }

        _pods[pod.Uid] = rt;
        WriteStatus(rt);
        cluster.Loop.Schedule(Step, () => SandboxReady(rt));
    }

    public void OnPodEvent(StoreEvent e)
    {
        if (!_pods.TryGetValue(e.Object.Uid, out var rt))
        {
            return;
        }

        if (e.Type == "DELETED")
        {
            _pods.Remove(e.Object.Uid);
            if (rt.Real)
            {
                ForgetReal(rt);
            }

            cluster.Logs.RemovePod(e.Object.Uid);
            cluster.Events.Forget(e.Object.Uid);
            return;
        }

        if (e.Object.HasDeletionTimestamp && !rt.Killing && !cluster.NodeLifecycle.IsLost(rt.Node))
        {
            Kill(rt, "Stopping container {0}", remove: true);
        }
    }

    /// <summary>Kills the containers (deletion, job deadline) and, for a deleted pod, removes it once they are stopped.</summary>
    public void Kill(string podUid, bool remove)
    {
        if (_pods.TryGetValue(podUid, out var rt) && !rt.Killing)
        {
            Kill(rt, "Stopping container {0}", remove);
        }
    }

    private void Kill(PodRuntime rt, string messageFormat, bool remove)
    {
        rt.Killing = true;
        if (rt.Real)
        {
            cluster.Loop.Schedule(Step, () => StopReal(rt, messageFormat, remove));
            return;
        }

        cluster.Loop.Schedule(Step, () => StopSimulated(rt, messageFormat, remove));
    }

    private StoredObject? Get(PodRuntime rt)
    {
        var pod = cluster.Store.Get(ResourceCatalog.Pods, rt.Namespace, rt.Name);
        return pod is not null && pod.Uid == rt.Uid ? pod : null;
    }

    private void SandboxReady(PodRuntime rt)
    {
        if (rt.Killing || Get(rt) is null)
        {
            return;
        }

        rt.SandboxReady = true;
        var n = Interlocked.Increment(ref _podIpCounter);
        rt.PodIp = string.Create(CultureInfo.InvariantCulture, $"10.244.{(n / 250) % 250}.{(n % 250) + 2}");
        WriteStatus(rt);
        StartNext(rt);
    }

    private void StartNext(PodRuntime rt)
    {
        if (rt.InitIndex < rt.Init.Count)
        {
            Pull(rt, rt.Init[rt.InitIndex]);
            return;
        }

        // Main containers are pulled and started one after the other, as the kubelet's serial image puller does.
        var next = rt.Main.FirstOrDefault(c => c.State == "waiting" && c.RunToken == 0);
        if (next is not null)
        {
            Pull(rt, next);
        }
    }

    private void Pull(PodRuntime rt, ContainerRuntime c)
    {
        var pod = Get(rt);
        if (pod is null || rt.Killing)
        {
            return;
        }

        if (rt.Real)
        {
            PullReal(rt, c, pod);
            return;
        }

        var images = NodeImages(rt.Node);
        var policy = c.Spec.Str("imagePullPolicy") ?? "IfNotPresent";
        if (policy != "Always" && images.Contains(c.Image))
        {
            cluster.Events.Record(pod, "Normal", "Pulled", $"Container image \"{c.Image}\" already present on machine", "kubelet", rt.Node, c.FieldPath);
            c.ImagePulled = true;
            cluster.Loop.Schedule(Step, () => CreateAndStart(rt, c));
            return;
        }

        cluster.Events.Record(pod, "Normal", "Pulling", $"Pulling image \"{c.Image}\"", "kubelet", rt.Node, c.FieldPath);
        var started = DateTimeOffset.UtcNow;
        var scenario = cluster.Scenarios.Match(c.Image, c.Name, string.Join(' ', c.Argv));
        if (scenario?.ImageMissing == true)
        {
            cluster.Loop.Schedule(Step, () => Pulled(rt, c, false, started));
            return;
        }

        _ = cluster.Images.ExistsAsync(c.Image).ContinueWith(
            t => cluster.Loop.Schedule(Step, () => Pulled(rt, c, t.IsCompletedSuccessfully && t.Result, started)),
            TaskScheduler.Default);
    }

    private HashSet<string> NodeImages(string node)
    {
        if (!_nodeImages.TryGetValue(node, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            _nodeImages[node] = set;
        }

        return set;
    }

    private void Pulled(PodRuntime rt, ContainerRuntime c, bool found, DateTimeOffset started, string? failure = null)
    {
        var pod = Get(rt);
        if (pod is null || rt.Killing)
        {
            return;
        }

        if (!found)
        {
            var (host, repository, reference) = ImageChecker.ParseReference(c.Image);
            var full = (host ?? "docker.io") + "/" + (host is null && !repository.Contains('/', StringComparison.Ordinal) ? "library/" : "") + repository + ":" + reference;
            var detail = failure ?? $"rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found";
            cluster.Events.Record(pod, "Warning", "Failed", $"Failed to pull image \"{c.Image}\": {detail}", "kubelet", rt.Node, c.FieldPath);
            cluster.Events.Record(pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet", rt.Node, c.FieldPath);
            c.State = "waiting";
            c.Reason = "ErrImagePull";
            c.Message = detail;
            WriteStatus(rt);
            c.PullFailures++;
            cluster.Loop.Schedule(Step, () =>
            {
                var p = Get(rt);
                if (p is null || rt.Killing)
                {
                    return;
                }

                cluster.Events.Record(p, "Normal", "BackOff", $"Back-off pulling image \"{c.Image}\"", "kubelet", rt.Node, c.FieldPath);
                cluster.Events.Record(p, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", rt.Node, c.FieldPath);
                c.Reason = "ImagePullBackOff";
                c.Message = $"Back-off pulling image \"{c.Image}\"";
                WriteStatus(rt);
                var backoff = Step * Math.Min(50, 5 << Math.Min(c.PullFailures, 4));
                cluster.Loop.Schedule(backoff, () => Pull(rt, c));
            });
            return;
        }

        var took = DateTimeOffset.UtcNow - started;
        var ms = string.Create(CultureInfo.InvariantCulture, $"{took.TotalMilliseconds:0}ms");
        cluster.Events.Record(pod, "Normal", "Pulled", $"Successfully pulled image \"{c.Image}\" in {ms} ({ms} including waiting). Image size: 2155050 bytes.", "kubelet", rt.Node, c.FieldPath);
        NodeImages(rt.Node).Add(c.Image);
        c.ImagePulled = true;
        cluster.Loop.Schedule(Step, () => CreateAndStart(rt, c));
    }

    private void CreateAndStart(PodRuntime rt, ContainerRuntime c)
    {
        var pod = Get(rt);
        if (pod is null || rt.Killing)
        {
            return;
        }

        if (rt.Real)
        {
            CreateAndStartReal(rt, c, pod);
            return;
        }

        if (!MountedAndConfigured(rt, c, pod))
        {
            return;
        }

        c.NewContainerId();
        cluster.Events.Record(pod, "Normal", "Created", $"Created container: {c.Name}", "kubelet", rt.Node, c.FieldPath);
        cluster.Events.Record(pod, "Normal", "Started", $"Started container {c.Name}", "kubelet", rt.Node, c.FieldPath);
        var plan = PlanFor(rt, c);
        var now = DateTimeOffset.UtcNow;
        var log = new ContainerLog(now, plan.Lines, plan.GeneratedLines, plan.LineLength, plan.GeneratedStart, plan.GeneratedDuration);
        log.RotateAt(cluster.Options.ContainerLogMaxSize);
        cluster.Logs.Add(rt.Uid, c.Name, log);
        c.Log = log;
        c.State = "running";
        c.Reason = "";
        c.Message = null;
        c.StartedAt = now;
        var token = ++c.RunToken;
        WriteStatus(rt);
        cluster.Loop.Schedule(plan.RunTime, () => Terminated(rt, c, token, plan.ExitCode, plan.OomKilled ? "OOMKilled" : null));
        if (!c.IsInit)
        {
            StartNext(rt);
        }
    }

    /// <summary>
    /// The simulated runtime's volumes and env, checked as a kubelet does before it starts a container: a missing
    /// Secret or ConfigMap volume (or item key) is a FailedMount event with the pod left ContainerCreating, once per pod
    /// until the volumes are set up; a missing env Secret, ConfigMap or key is CreateContainerConfigError. Both are
    /// retried, so creating the object later starts the pod, as on a real node. The checks are the real runtime's own
    /// (Runtime/PodVolumes.cs, Runtime/ContainerSpec.cs).
    /// </summary>
    private bool MountedAndConfigured(PodRuntime rt, ContainerRuntime c, StoredObject pod)
    {
        var node = pod.ToNode();
        JsonObject? Find(string resource, string name) => Lookup(rt, resource, name);
        if (!rt.VolumesMounted)
        {
            try
            {
                Runtime.PodVolumes.Verify(node, Find);
                rt.VolumesMounted = true;
            }
            catch (Runtime.VolumeSetupError e)
            {
                MountFailed(rt, c, pod, e.Message);
                return false;
            }
        }

        try
        {
            Runtime.ContainerSpec.VerifyEnvReferences(node, c.Spec, Find);
            return true;
        }
        catch (Runtime.ContainerConfigError e)
        {
            ConfigFailed(rt, c, pod, e.Message);
            return false;
        }
    }

    /// <summary>kubelet volume manager: FailedMount, the containers stay waiting (ContainerCreating), and the mount is retried.</summary>
    private void MountFailed(PodRuntime rt, ContainerRuntime c, StoredObject pod, string message)
    {
        cluster.Events.Record(pod, "Warning", "FailedMount", message, "kubelet", rt.Node);
        cluster.Loop.Schedule(RealRetry, () => CreateAndStart(rt, c));
    }

    /// <summary>
    /// pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer: the config error becomes the waiting reason
    /// CreateContainerConfigError, an event "Error: &lt;message&gt;", and the next sync tries again.
    /// </summary>
    private void ConfigFailed(PodRuntime rt, ContainerRuntime c, StoredObject pod, string message)
    {
        cluster.Events.Record(pod, "Warning", "Failed", "Error: " + message, "kubelet", rt.Node, c.FieldPath);
        c.State = "waiting";
        c.Reason = "CreateContainerConfigError";
        c.Message = message;
        WriteStatus(rt);
        cluster.Loop.Schedule(RealRetry, () => CreateAndStart(rt, c));
    }

    private ContainerPlan PlanFor(PodRuntime rt, ContainerRuntime c)
    {
        var attempt = rt.Attempt + c.RestartCount;
        var scenario = cluster.Scenarios.Match(c.Image, c.Name, string.Join(' ', c.Argv));
        if (scenario is not null)
        {
            return ScenarioCatalog.Plan(scenario, attempt);
        }

        return CommandInterpreter.Plan(c.Argv, cluster.Options.SleepScale, rt.Namespace, name => ResolveService(name, rt.Namespace));
    }

    /// <summary>Cluster DNS for Services: "svc", "svc.ns", "svc.ns.svc", "svc.ns.svc.cluster.local".</summary>
    private (string Fqdn, string Ip)? ResolveService(string name, string podNamespace)
    {
        var parts = name.TrimEnd('.').Split('.');
        var svc = parts[0];
        var ns = parts.Length > 1 ? parts[1] : podNamespace;
        var valid = parts.Length switch
        {
            1 or 2 => true,
            3 => parts[2] == "svc",
            5 => parts[2] == "svc" && parts[3] == "cluster" && parts[4] == "local",
            _ => false,
        };
        var service = valid ? cluster.Store.Get(ResourceCatalog.Services, ns, svc) : null;
        var ip = service?.GetString("spec.clusterIP");
        return ip is null or "None" ? null : ($"{svc}.{ns}.svc.cluster.local", ip);
    }

    /// <summary>
    /// A container ended with <paramref name="exitCode"/>; <paramref name="reason"/> overrides Completed/Error (OOMKilled, StartError).
    /// Its log ends at once (a followed log ends when the runtime says the container stopped: waitLogs in
    /// pkg/kubelet/kuberuntime/logs/logs.go); the state machine and pod.status learn of it only after
    /// <see cref="EmulatorOptions.PodStatusLag"/>, as the kubelet does at its next PLEG relist (pkg/kubelet/pleg/generic.go).
    /// </summary>
    private void Terminated(PodRuntime rt, ContainerRuntime c, int token, int exitCode, string? reason, string? message = null)
    {
        if (c.RunToken != token || rt.Killing || Get(rt) is null)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        c.Log?.Finish(now);
        var lag = cluster.Options.PodStatusLag;
        if (lag > TimeSpan.Zero)
        {
            c.PendingExit = (exitCode, reason, message, now);
            cluster.Loop.Schedule(lag, () => Relisted(rt, c, token));
            return;
        }

        Observed(rt, c, exitCode, reason, message, now);
    }

    /// <summary>The relist after a container's exit: a kill in between has already recorded it (see <see cref="Kill(PodRuntime, string, bool)"/>).</summary>
    private void Relisted(PodRuntime rt, ContainerRuntime c, int token)
    {
        if (c.PendingExit is not { } exit || c.RunToken != token || rt.Killing || Get(rt) is null)
        {
            return;
        }

        Observed(rt, c, exit.ExitCode, exit.Reason, exit.Message, exit.At);
    }

    /// <summary>The kubelet has seen the container's exit: its terminated state, then the pod's next step.</summary>
    private void Observed(PodRuntime rt, ContainerRuntime c, int exitCode, string? reason, string? message, DateTimeOffset now)
    {
        c.PendingExit = null;
        c.State = "terminated";
        c.ExitCode = exitCode;
        c.Reason = reason ?? (exitCode == 0 ? "Completed" : "Error");
        c.Message = message;
        c.FinishedAt = now;
        var failed = exitCode != 0;
        var restart = rt.RestartPolicy == "Always" || (rt.RestartPolicy == "OnFailure" && failed);
        if (c.IsInit && !failed)
        {
            rt.InitIndex++;
            WriteStatus(rt);
            cluster.Loop.Schedule(Step, () => StartNext(rt));
            return;
        }

        if (restart)
        {
            c.LastState = c.TerminatedNode();
            c.RestartCount++;
            if (c.Log is not null)
            {
                c.Log.RestartPending = true;
            }

            c.State = "waiting";
            c.Reason = "CrashLoopBackOff";
            c.Message = $"back-off {Math.Min(300, 10 << Math.Min(c.RestartCount - 1, 5))}s restarting failed container={c.Name} pod={rt.Name}_{rt.Namespace}({rt.Uid})";
            WriteStatus(rt);
            var pod = Get(rt);
            if (pod is not null)
            {
                cluster.Events.Record(pod, "Warning", "BackOff", "Back-off restarting failed container " + c.Name + " in pod " + rt.Name + "_" + rt.Namespace + "(" + rt.Uid + ")", "kubelet", rt.Node, c.FieldPath);
            }

            cluster.Loop.Schedule(Step * Math.Min(50, 5 << Math.Min(c.RestartCount - 1, 4)), () => CreateAndStart(rt, c));
            return;
        }

        if (c.IsInit || rt.Main.All(m => m.State == "terminated"))
        {
            rt.Finished = true;
            rt.Phase = !c.IsInit && rt.Main.All(m => m.ExitCode == 0) ? "Succeeded" : "Failed";
        }

        WriteStatus(rt);
    }

    /// <summary>Renders the runtime into pod.status (phase, conditions, container statuses) and stores it.</summary>
    private void WriteStatus(PodRuntime rt)
    {
        if (cluster.NodeLifecycle.IsLost(rt.Node))
        {
            return; // a kubelet cut off from the API server posts nothing
        }

        var nowText = JsonDefaults.Time(DateTimeOffset.UtcNow);
        var hostIp = cluster.Scheduler.NodeIp(rt.Node); // outside the store lock: the scheduler lock is never taken under it
        cluster.Store.Mutate(ResourceCatalog.Pods, rt.Namespace, rt.Name, pod =>
        {
            if (pod.Obj("metadata").Str("uid") != rt.Uid)
            {
                return false;
            }

            var status = pod.Obj("status");
            var initialized = rt.InitIndex >= rt.Init.Count;
            var allRunning = initialized && rt.Main.All(c => c.State == "running");
            var phase = rt.Phase ?? (initialized && rt.Main.Any(c => c.State == "running") ? "Running" : "Pending");
            status["phase"] = phase;
            var completed = rt.Finished;
            PodStatus.SetCondition(status, "PodReadyToStartContainers", rt.SandboxReady && !completed ? "True" : "False", null, null, nowText);
            if (initialized)
            {
                PodStatus.SetCondition(status, "Initialized", "True", completed && rt.Init.Count > 0 ? "PodCompleted" : null, null, nowText);
            }
            else
            {
                var pending = rt.Init.Skip(rt.InitIndex).Select(c => c.Name);
                PodStatus.SetCondition(status, "Initialized", "False", "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', pending)}]", nowText);
            }

            var notReady = rt.Main.Where(c => c.State != "running").Select(c => c.Name).ToList();
            var readyReason = completed ? "PodCompleted" : "ContainersNotReady";
            var readyMessage = completed ? null : $"containers with unready status: [{string.Join(' ', notReady)}]";
            PodStatus.SetCondition(status, "Ready", allRunning ? "True" : "False", allRunning ? null : readyReason, allRunning ? null : readyMessage, nowText);
            PodStatus.SetCondition(status, "ContainersReady", allRunning ? "True" : "False", allRunning ? null : readyReason, allRunning ? null : readyMessage, nowText);
            PodStatus.SetCondition(status, "PodScheduled", "True", null, null, nowText);
            status["hostIP"] = hostIp;
            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
            if (rt.PodIp.Length > 0)
            {
                status["podIP"] = rt.PodIp;
                status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = rt.PodIp });
            }

            status["startTime"] = JsonDefaults.Time(rt.StartTime);
            if (rt.Init.Count > 0)
            {
                status["initContainerStatuses"] = new JsonArray(rt.Init.Select(c => (JsonNode)c.StatusNode(c.State == "terminated" && c.ExitCode == 0)).ToArray());
            }

            status["containerStatuses"] = new JsonArray(rt.Main.Select(c => (JsonNode)c.StatusNode(c.State == "running")).ToArray());
            return true;
        });
    }
}
