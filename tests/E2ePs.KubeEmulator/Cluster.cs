using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Admin;
using E2ePs.KubeEmulator.Admission;
using E2ePs.KubeEmulator.Auth;
using E2ePs.KubeEmulator.Controllers;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Faults;
using E2ePs.KubeEmulator.Kubelet;
using E2ePs.KubeEmulator.Logs;
using E2ePs.KubeEmulator.Scenarios;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator;

/// <summary>Everything one emulated cluster consists of, wired together. The HTTP layer and the admin API work on this.</summary>
internal sealed class Cluster : IDisposable
{
    public Cluster(EmulatorOptions options, string adminToken)
    {
        Options = options;
        Store = new ObjectStore(new WatchHistoryLimits(options.WatchHistoryDuration, options.WatchHistoryMinEvents, options.WatchHistorySize));
        Loop = new SimulationLoop(e => Console.Error.WriteLine($"emulator: simulation error: {e}"));
        Events = new EventRecorder(Store);
        Scenarios.Add(options.Scenarios);
        Faults = new FaultInjector(options.Faults);
        Tokens = new TokenRegistry(adminToken);
        Images = new ImageChecker(options.RegistryHost);
        RealRuntime = options.Runtime switch
        {
            "simulated" => null,
            "buildah" => new Runtime.BuildahRuntime(options),
            _ => throw new ArgumentException($"unknown runtime \"{options.Runtime}\": use \"simulated\" or \"buildah\"", nameof(options)),
        };
        Deleter = new Deleter(this);
        Kubelet = new KubeletSimulator(this);
        Scheduler = new PodScheduler(this);
        Autoscaler = new Autoscaler(this);
        JobController = new JobController(this);
        GarbageCollector = new GarbageCollector(this);
        Admission = new AdmissionControl(this);
        Quotas = new QuotaController(this);
        NodeLifecycle = new NodeLifecycle(this);
        Bootstrap();
        Scheduler.SetNodes(options.Nodes.Count > 0 ? options.Nodes : [new NodeSpec()]);
        Autoscaler.Start();
        Store.AddListener(e => Loop.Post(() => Dispatch(e)));
    }

    public EmulatorOptions Options { get; }

    public ObjectStore Store { get; }

    public SimulationLoop Loop { get; }

    public ObjectDefaults Defaults { get; } = new();

    public EventRecorder Events { get; }

    public LogStore Logs { get; } = new();

    public ScenarioCatalog Scenarios { get; } = new();

    public FaultInjector Faults { get; }

    public StatsCollector Stats { get; } = new();

    public TokenRegistry Tokens { get; }

    public ImageChecker Images { get; }

    /// <summary>The real container runtime (--runtime buildah); null when every container is simulated.</summary>
    public Runtime.BuildahRuntime? RealRuntime { get; }

    public Deleter Deleter { get; }

    public KubeletSimulator Kubelet { get; }

    public PodScheduler Scheduler { get; }

    /// <summary>The cluster autoscaler (--autoscale-after-seconds); it does nothing when off.</summary>
    public Autoscaler Autoscaler { get; }

    public JobController JobController { get; }

    public GarbageCollector GarbageCollector { get; }

    /// <summary>Pod Security and ResourceQuota admission (Admission/).</summary>
    public AdmissionControl Admission { get; }

    public QuotaController Quotas { get; }

    /// <summary>Node loss: NotReady, the unreachable taints, taint-based eviction (Controllers/NodeLifecycle.cs).</summary>
    public NodeLifecycle NodeLifecycle { get; }

    public TimeSpan Step => Options.TimeStep;

    private CancellationTokenSource _connections = new();

    /// <summary>Runs <paramref name="drop"/> when the API server restarts: every open connection goes with it.</summary>
    public CancellationTokenRegistration OnRestart(Action drop) => Volatile.Read(ref _connections).Token.Register(drop);

    /// <summary>
    /// Restarts the API server (docs/emulator.md, "Restarts"): every watch and connection is dropped, the watch
    /// caches start again, and with <see cref="RestartMode.Rewind"/> etcd is restored from the last snapshot;
    /// the controllers' informers re-list, so they are told what changed. Returns the resourceVersion it came back at.
    /// </summary>
    public long Restart(RestartMode mode)
    {
        var changes = Store.Restart(mode);
        // Not disposed: a request starting now may still register on the old token, and then it is dropped too.
        Interlocked.Exchange(ref _connections, new CancellationTokenSource()).Cancel();
        Store.NotifyListeners(changes);
        return Store.CurrentResourceVersion;
    }

    /// <summary>What a fresh cluster has: default and kube-system namespaces, the kubernetes Service.</summary>
    private void Bootstrap()
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            CreateNamespace(ns);
        }

        var svc = new JsonObject
        {
            ["kind"] = "Service",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
            ["spec"] = new JsonObject { ["clusterIP"] = "10.96.0.1", ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = 6443 }) },
        };
        Defaults.OnCreate(ResourceCatalog.Services, svc);
        Store.Create(ResourceCatalog.Services, svc, dryRun: false);
    }

    public void CreateNamespace(string name)
    {
        var ns = new JsonObject { ["kind"] = "Namespace", ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["name"] = name } };
        Defaults.OnCreate(ResourceCatalog.Namespaces, ns);
        Store.Create(ResourceCatalog.Namespaces, ns, dryRun: false);
        CreateDefaultServiceAccount(name);
    }

    /// <summary>The service account controller's job: every namespace has a "default" ServiceAccount.</summary>
    private void CreateDefaultServiceAccount(string ns)
    {
        if (Store.Get(ResourceCatalog.ServiceAccounts, ns, "default") is not null)
        {
            return;
        }

        try
        {
            Store.Create(ResourceCatalog.ServiceAccounts, new JsonObject
            {
                ["kind"] = "ServiceAccount",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns },
            }, dryRun: false);
        }
        catch (Http.ApiError)
        {
            // Lost a race with a namespace deletion.
        }
    }

    /// <summary>Routes store changes to the controllers (on the simulation thread).</summary>
    private void Dispatch(StoreEvent e)
    {
        switch (e.Object.Type.StorageKey)
        {
            case "/namespaces":
                if (e.Type == "ADDED")
                {
                    CreateDefaultServiceAccount(e.Object.Name);
                }

                break;
            case "/pods":
                Quotas.OnEvent(e);
                Scheduler.OnPodEvent(e);
                Kubelet.OnPodEvent(e);
                ToJobController(() => JobController.OnPodEvent(e));
                break;
            case "/resourcequotas":
                Quotas.OnEvent(e);
                break;
            case "batch/jobs":
                ToJobController(() => JobController.OnJobEvent(e));
                break;
        }

        GarbageCollector.OnEvent(e);
    }

    /// <summary>The job controller's informers, late by JobInformerDelay when a test widens that window.</summary>
    private void ToJobController(Action handle)
    {
        if (Options.JobInformerDelay > TimeSpan.Zero)
        {
            Loop.Schedule(Options.JobInformerDelay, handle);
        }
        else
        {
            handle();
        }
    }

    public void Dispose()
    {
        Loop.Dispose();
        Images.Dispose();
        RealRuntime?.Dispose();
    }
}
