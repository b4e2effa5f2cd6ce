using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Logs;
using E2ePs.KubeEmulator.Runtime;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Kubelet;

/// <summary>
/// The kubelet's real-runtime path (--runtime buildah): real pulls, volumes, env and processes. Each slow step runs
/// off the simulation thread and posts its outcome back; from there the shared state machine (Terminated, restarts,
/// WriteStatus, events) takes over exactly as for a simulated container.
/// </summary>
internal sealed partial class KubeletSimulator
{
    /// <summary>How long before a container whose config or volumes could not be made is tried again (the kubelet resyncs too); both runtimes.</summary>
    private static readonly TimeSpan RealRetry = TimeSpan.FromSeconds(1);

    private BuildahRuntime? RealRuntime => cluster.RealRuntime;

    private bool ServesForReal(JsonObject spec) =>
        RealRuntime is { } runtime &&
        runtime.Serves((spec["initContainers"] as JsonArray ?? []).Concat(spec["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => c.Str("image") ?? ""));

    private JsonObject? Lookup(PodRuntime rt, string resource, string name) =>
        cluster.Store.Get(ResourceCatalog.Get("", resource), rt.Namespace, name)?.ToNode();

    private void PullReal(PodRuntime rt, ContainerRuntime c, StoredObject pod)
    {
        var runtime = RealRuntime!;
        var policy = c.Spec.Str("imagePullPolicy") ?? "IfNotPresent";
        var started = DateTimeOffset.UtcNow;
        _ = Task.Run(() => runtime.Images.PullAsync(c.Image, policy, CancellationToken.None)).ContinueWith(
            t => cluster.Loop.Post(() =>
            {
                var result = t.IsCompletedSuccessfully ? t.Result : new PullResult(null, false, TimeSpan.Zero, t.Exception?.GetBaseException().Message);
                var current = Get(rt);
                if (current is null || rt.Killing)
                {
                    return;
                }

                if (result.Image is null)
                {
                    cluster.Events.Record(current, "Normal", "Pulling", $"Pulling image \"{c.Image}\"", "kubelet", rt.Node, c.FieldPath);
                    Pulled(rt, c, false, started, $"rpc error: code = NotFound desc = {result.Error}");
                    return;
                }

                c.Real = new RealContainer { Image = result.Image };
                c.ImagePulled = true;
                if (result.AlreadyPresent && policy != "Always")
                {
                    cluster.Events.Record(current, "Normal", "Pulled", $"Container image \"{c.Image}\" already present on machine", "kubelet", rt.Node, c.FieldPath);
                }
                else
                {
                    var ms = string.Create(CultureInfo.InvariantCulture, $"{result.Took.TotalMilliseconds:0}ms");
                    cluster.Events.Record(current, "Normal", "Pulling", $"Pulling image \"{c.Image}\"", "kubelet", rt.Node, c.FieldPath);
                    cluster.Events.Record(current, "Normal", "Pulled", $"Successfully pulled image \"{c.Image}\" in {ms} ({ms} including waiting)", "kubelet", rt.Node, c.FieldPath);
                }

                NodeImages(rt.Node).Add(c.Image);
                CreateAndStart(rt, c);
            }),
            TaskScheduler.Default);
    }

    private void CreateAndStartReal(PodRuntime rt, ContainerRuntime c, StoredObject pod)
    {
        var runtime = RealRuntime!;
        var node = pod.ToNode();
        JsonObject? Find(string resource, string name) => Lookup(rt, resource, name);
        try
        {
            rt.Volumes ??= runtime.CreateVolumes(rt.Uid, node, Find);
        }
        catch (VolumeSetupError e)
        {
            MountFailed(rt, c, pod, e.Message);
            return;
        }

        RunSpec spec;
        try
        {
            spec = ContainerSpec.Resolve(node, c.Spec, c.Real!.Image.Config, rt.PodIp, cluster.Scheduler.NodeIp(rt.Node), Find, rt.Volumes);
        }
        catch (ContainerConfigError e)
        {
            ConfigFailed(rt, c, pod, e.Message);
            return;
        }

        var token = ++c.RunToken;
        _ = runtime.CreateContainerAsync(c.Real.Image, rt.Name, c.Name).ContinueWith(
            t => cluster.Loop.Post(() => ContainerCreated(rt, c, token, spec, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException().Message)),
            TaskScheduler.Default);
    }

    private void ContainerCreated(PodRuntime rt, ContainerRuntime c, int token, RunSpec spec, string? workingContainer, string? error)
    {
        var runtime = RealRuntime!;
        var pod = Get(rt);
        if (pod is null || rt.Killing || c.RunToken != token)
        {
            if (workingContainer is not null)
            {
                _ = runtime.RemoveContainerAsync(workingContainer);
            }

            if (rt.Killing)
            {
                FinishStopped(rt);
            }

            return;
        }

        if (workingContainer is null)
        {
            cluster.Events.Record(pod, "Warning", "Failed", "Error: " + error, "kubelet", rt.Node, c.FieldPath);
            c.State = "waiting";
            c.Reason = "CreateContainerError";
            c.Message = error;
            WriteStatus(rt);
            c.RunToken++;
            cluster.Loop.Schedule(RealRetry, () => CreateAndStart(rt, c));
            return;
        }

        c.NewContainerId();
        c.Real!.WorkingContainer = workingContainer;
        cluster.Events.Record(pod, "Normal", "Created", $"Created container: {c.Name}", "kubelet", rt.Node, c.FieldPath);
        var now = DateTimeOffset.UtcNow;
        var log = ContainerLog.Live(now);
        log.RotateAt(cluster.Options.ContainerLogMaxSize);
        cluster.Logs.Add(rt.Uid, c.Name, log);
        c.Log = log;
        ContainerProcess process;
        try
        {
            process = runtime.Start(workingContainer, spec, rt.Name, log);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _ = runtime.RemoveContainerAsync(workingContainer);
            Terminated(rt, c, token, 128, "StartError", e.Message);
            return;
        }

        c.Real.Process = process;
        cluster.Events.Record(pod, "Normal", "Started", $"Started container {c.Name}", "kubelet", rt.Node, c.FieldPath);
        c.State = "running";
        c.Reason = "";
        c.Message = null;
        c.StartedAt = now;
        WriteStatus(rt);
        _ = process.Exited.ContinueWith(
            t => cluster.Loop.Post(() => RealExited(rt, c, token, t.IsCompletedSuccessfully ? t.Result : new ContainerExit(137, null))),
            TaskScheduler.Default);
        if (!c.IsInit)
        {
            StartNext(rt);
        }
    }

    private void RealExited(PodRuntime rt, ContainerRuntime c, int token, ContainerExit exit)
    {
        if (c.Real?.WorkingContainer is { } workingContainer)
        {
            c.Real.WorkingContainer = null;
            _ = RealRuntime!.RemoveContainerAsync(workingContainer);
        }

        var reason = exit.StartError is null ? null : "StartError";
        if (!rt.Killing)
        {
            Terminated(rt, c, token, exit.ExitCode, reason, exit.StartError);
            return;
        }

        // Stopped by deletion or the job's deadline: the status shows what the process really exited with.
        if (c.RunToken == token && c.State == "running")
        {
            var now = DateTimeOffset.UtcNow;
            c.Log?.Finish(now);
            c.State = "terminated";
            c.ExitCode = exit.ExitCode;
            c.Reason = reason ?? (exit.ExitCode == 0 ? "Completed" : "Error");
            c.Message = exit.StartError;
            c.FinishedAt = now;
        }

        FinishStopped(rt);
    }

    /// <summary>
    /// Deletion or deadline: "Killing" events, SIGTERM to each running container, SIGKILL after the grace period
    /// (the pod's deletionGracePeriodSeconds, else terminationGracePeriodSeconds; pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer).
    /// </summary>
    private void StopReal(PodRuntime rt, string messageFormat, bool remove)
    {
        var pod = Get(rt);
        if (pod is null)
        {
            return;
        }

        rt.RemoveWhenStopped |= remove;
        var grace = GracePeriod(pod);
        foreach (var c in rt.All.Where(c => c.State == "running"))
        {
            if (c.PendingExit is { } exited)
            {
                // Its process had exited before the stop; the status lag only hid it.
                c.RunToken++;
                Observed(rt, c, exited.ExitCode, exited.Reason, exited.Message, exited.At);
                continue;
            }

            cluster.Events.Record(pod, "Normal", "Killing", string.Format(CultureInfo.InvariantCulture, messageFormat, c.Name), "kubelet", rt.Node, c.FieldPath);
            c.Real?.Process?.Stop(grace);
        }

        FinishStopped(rt);
    }

    /// <summary>The pod is gone from the store: kill what still runs, then delete its volumes.</summary>
    private void ForgetReal(PodRuntime rt)
    {
        var exits = new List<Task>();
        foreach (var c in rt.All)
        {
            if (c.Real?.Process is { } process)
            {
                process.Kill();
                exits.Add(process.Exited);
            }
        }

        RealRuntime!.RemovePod(rt.Uid, exits);
    }
}
