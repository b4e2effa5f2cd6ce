namespace E2ePs.KubeEmulator;

/// <summary>
/// Start-up settings of an emulated cluster. Behaviours a real cluster has are on with upstream's timings;
/// tests shorten them here.
/// </summary>
public sealed class EmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Serve plain HTTP instead of HTTPS (no certificates, the token is still required).</summary>
    public bool UseHttp { get; set; }

    /// <summary>
    /// The one DNS name of the server certificate, instead of 127.0.0.1 and localhost; the kubeconfig then sets
    /// <c>tls-server-name</c> to it, as for a cluster reached through a tunnel, a private endpoint or an IP
    /// whose certificate names only the cluster's DNS name. A client that ignores tls-server-name fails the
    /// handshake. Null (default): the certificate is for 127.0.0.1 and localhost.
    /// </summary>
    public string? ServerName { get; set; }

    /// <summary>Where the kubeconfig for clients is written; null writes a file in a fresh temporary directory.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The admin bearer token; null generates a random one.</summary>
    public string? Token { get; set; }

    /// <summary>Namespace written into the kubeconfig context.</summary>
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>Host:port of an OCI registry (e.g. 127.0.0.1:5000) that images on that host are checked against; null: all images exist unless a scenario says otherwise.</summary>
    public string? RegistryHost { get; set; }

    /// <summary>
    /// "simulated" (default): containers are played back from their command or a scenario. "buildah": pods whose images
    /// all resolve in <see cref="RegistryHost"/> or through <see cref="RegistriesConf"/> run as real processes with
    /// <c>buildah run --isolation chroot</c>; other pods stay simulated. See docs/emulator.md, "Real containers".
    /// </summary>
    public string Runtime { get; set; } = "simulated";

    /// <summary>containers-registries.conf(5) file handed to buildah (CONTAINERS_REGISTRIES_CONF); its [[registry]] prefixes with a location make images resolvable, e.g. docker.io pointed at a local mirror.</summary>
    public string? RegistriesConf { get; set; }

    /// <summary>buildah's --root (image store) for the real runtime; null: buildah's default store.</summary>
    public string? StorageRoot { get; set; }

    /// <summary>buildah's --runroot for the real runtime; null: buildah's default.</summary>
    public string? StorageRunRoot { get; set; }

    /// <summary>buildah's --storage-driver for the real runtime (vfs works without privileges beyond root and without overlay support).</summary>
    public string StorageDriver { get; set; } = "vfs";

    /// <summary>Nodes the scheduler places pods on. Empty means one default node "emulator-node-1" with 8 CPU / 32Gi.</summary>
    public IList<NodeSpec> Nodes { get; } = new List<NodeSpec>();

    /// <summary>Scripted container behaviours, matched in order (first match wins).</summary>
    public IList<ContainerScenario> Scenarios { get; } = new List<ContainerScenario>();

    /// <summary>Faults active from start.</summary>
    public FaultSettings Faults { get; set; } = new();

    /// <summary>One step of the simulated kubelet and controllers (scheduling, pulling, creating, starting).</summary>
    public TimeSpan TimeStep { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Multiplier applied to <c>sleep N</c> in interpreted container commands (0.1 makes <c>sleep 5</c> last 0.5 s).</summary>
    public double SleepScale { get; set; } = 1.0;

    /// <summary>
    /// The most watch events kept per resource for resuming watches (upstream defaultUpperBoundCapacity,
    /// 100 × 1024); older resourceVersions get 410 Expired. See <see cref="WatchHistoryDuration"/>.
    /// </summary>
    public int WatchHistorySize { get; set; } = 100 * 1024;

    /// <summary>The fewest watch events kept per resource once the window shrinks (upstream defaultLowerBoundCapacity, 100).</summary>
    public int WatchHistoryMinEvents { get; set; } = 100;

    /// <summary>
    /// How long the watch cache wants to keep events (upstream eventFreshDuration, 75 s): its window grows
    /// while full of younger events and shrinks when the newest quarter is older (kubernetes/kubernetes
    /// staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go).
    /// </summary>
    public TimeSpan WatchHistoryDuration { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// A watch without timeoutSeconds is closed after a random time in [this, 2 × this) (the API server's
    /// --min-request-timeout, 1800 s; staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go).
    /// </summary>
    public TimeSpan MinRequestTimeout { get; set; } = TimeSpan.FromSeconds(1800);

    /// <summary>
    /// How long a watch from a resourceVersion the server has not reached waits for it before the ERROR
    /// "Too large resource version" (upstream blockTimeout, 3 s, in watch_cache.go waitUntilFreshAndBlock).
    /// </summary>
    public TimeSpan TooLargeResourceVersionWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Whether the job controller keys its pod expectations by namespace/name as the real one does, so a Job
    /// re-created under the name of one just deleted can get no pods until <see cref="JobExpectationsTimeout"/>
    /// (kubernetes/kubernetes#131917; docs/emulator.md, "Job controller"). On by default.
    /// </summary>
    public bool SameNameJobExpectations { get; set; } = true;

    /// <summary>How long unsatisfied pod expectations block a Job's name (upstream ExpectationsTimeout, 5 minutes); tests shorten it.</summary>
    public TimeSpan JobExpectationsTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How late the job controller sees Job and pod changes (its informers' delay). Zero by default; a test
    /// that needs the window in which a deleted Job's pod is not yet observed widens it.
    /// </summary>
    public TimeSpan JobInformerDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long after a container's log ends its terminated state reaches pod.status. The kubelet ends a followed
    /// log as soon as the runtime says the container stopped (pkg/kubelet/kuberuntime/logs/logs.go, waitLogs), but
    /// the status changes only after the next PLEG relist (pkg/kubelet/pleg/generic.go, relist period 1 s) and the
    /// status manager's sync. 1 s by default; tests shorten it; zero turns the lag off (log end and status in one step).
    /// </summary>
    public TimeSpan PodStatusLag { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The kubelet's containerLogMaxSize: a container's log file is rotated once it reaches this many bytes, counted
    /// as the CRI log format stores them (each line with its timestamp and stream prefix). Reads that do not follow
    /// see the current file only. 10 MiB by default (pkg/kubelet/apis/config/v1beta1/defaults.go); 0 turns
    /// rotation off.
    /// </summary>
    public long ContainerLogMaxSize { get; set; } = 10L * 1024 * 1024;

    /// <summary>The kubelet's containerLogMaxFiles (5 by default, at least 2): the current file plus the rotated ones kept on the node.</summary>
    public int ContainerLogMaxFiles { get; set; } = 5;

    /// <summary>
    /// With a value, a Cluster Autoscaler runs (Controllers/Autoscaler.cs): a pod that is Unschedulable gets a
    /// TriggeredScaleUp event and a node shaped like the first one registers this long after; beyond
    /// <see cref="AutoscaleMaxNodes"/> the pod gets NotTriggerScaleUp. Null (the default): no autoscaler, as on kind or
    /// a cluster whose node pools have autoscaling off. Real node provisioning takes one to a few minutes.
    /// </summary>
    public TimeSpan? AutoscaleAfter { get; set; }

    /// <summary>The autoscaled node group's maximum size (all nodes count; upstream --nodes min:max:group).</summary>
    public int AutoscaleMaxNodes { get; set; } = 10;

    /// <summary>The job controller's first wait before it syncs again after its pod creates were refused (upstream DefaultJobApiBackOff, 1 s); doubled per failure.</summary>
    public TimeSpan JobApiBackOff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest such wait (upstream MaxJobApiBackOff, 1 minute).</summary>
    public TimeSpan JobApiMaxBackOff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after a node's kubelet stops posting the node lifecycle controller marks it Ready=Unknown and taints it
    /// unreachable (upstream --node-monitor-grace-period, 50 s since Kubernetes 1.32); tests shorten it.
    /// </summary>
    public TimeSpan NodeMonitorGracePeriod { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>
    /// How long a list's continue token stays good before it is 410 Expired: etcd's compaction interval
    /// (kube-apiserver --etcd-compaction-interval, 5 minutes by default); tests shorten it.
    /// </summary>
    public TimeSpan ContinueTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Interval of BOOKMARK events on watches that ask for them, besides the one 2 s before the watch's
    /// deadline (upstream bookmarkFrequency, one minute; cacher.go and cache_watcher.go nextBookmarkTime).
    /// </summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>A simulated node and its allocatable capacity.</summary>
public sealed class NodeSpec
{
    /// <summary>Node name.</summary>
    public string Name { get; set; } = "emulator-node-1";

    /// <summary>Allocatable CPU as a Kubernetes quantity ("8", "500m").</summary>
    public string Cpu { get; set; } = "8";

    /// <summary>Allocatable memory as a Kubernetes quantity ("32Gi").</summary>
    public string Memory { get; set; } = "32Gi";

    /// <summary>Maximum number of pods.</summary>
    public int Pods { get; set; } = 110;
}
