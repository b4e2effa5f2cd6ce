using System.Globalization;
using E2ePs.KubeEmulator.Controllers;
using E2ePs.KubeEmulator.Scenarios;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Kubelet;

/// <summary>
/// Graceful termination of simulated containers, as the kubelet's killContainer does it
/// (kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go): event Killing, SIGTERM, then SIGKILL once
/// the grace period is over. The grace period is the deletion's (metadata.deletionGracePeriodSeconds, which the API
/// server sets from DeleteOptions.gracePeriodSeconds or spec.terminationGracePeriodSeconds, default 30,
/// pkg/registry/core/pod/strategy.go CheckGracefulDelete). How a container reacts to SIGTERM comes from its scenario
/// (<see cref="ContainerScenario.OnSigterm"/>); an unscripted one exits at once with 143. A container whose own run
/// ends first exits as it would have. Once no container runs, the pod gets its final phase and, when it was deleted,
/// is removed unless a finalizer (the Job's tracking finalizer) still holds it (<see cref="PodRemoval"/>).
/// </summary>
internal sealed partial class KubeletSimulator
{
    /// <summary>The pod's grace period: the deletion's, else the spec's, else 30 s (see the class summary).</summary>
    private static TimeSpan GracePeriod(StoredObject pod)
    {
        var node = pod.ToNode();
        return TimeSpan.FromSeconds(node.Obj("metadata").Num("deletionGracePeriodSeconds") ?? node.Obj("spec").Num("terminationGracePeriodSeconds") ?? 30);
    }

    private void StopSimulated(PodRuntime rt, string messageFormat, bool remove)
    {
        var pod = Get(rt);
        if (pod is null)
        {
            return;
        }

        rt.RemoveWhenStopped |= remove;
        var grace = GracePeriod(pod);
        var now = DateTimeOffset.UtcNow;
        foreach (var c in rt.All.Where(c => c.State == "running"))
        {
            if (c.PendingExit is { } exited)
            {
                // It had exited before the kill; the status lag only hid it (KubeletSimulator, PodStatusLag).
                c.RunToken++;
                Observed(rt, c, exited.ExitCode, exited.Reason, exited.Message, exited.At);
                continue;
            }

            cluster.Events.Record(pod, "Normal", "Killing", string.Format(CultureInfo.InvariantCulture, messageFormat, c.Name), "kubelet", rt.Node, c.FieldPath);
            var (at, exitCode, reason) = EndAfterSigterm(rt, c, now, grace);
            var token = ++c.RunToken; // the run's own end timer is stale now: the end is decided here
            cluster.Loop.Schedule(at - now, () => StoppedAfterSigterm(rt, c, token, exitCode, reason));
        }

        FinishStopped(rt);
    }

    /// <summary>When and how a running container ends after SIGTERM at <paramref name="now"/>: its own end, its exit on SIGTERM, or SIGKILL.</summary>
    private (DateTimeOffset At, int ExitCode, string? Reason) EndAfterSigterm(PodRuntime rt, ContainerRuntime c, DateTimeOffset now, TimeSpan grace)
    {
        var plan = PlanFor(rt, c);
        var scenario = cluster.Scenarios.Match(c.Image, c.Name, string.Join(' ', c.Argv));
        var killAt = now + grace;
        var candidates = new List<(DateTimeOffset At, int ExitCode, string? Reason)>();
        if (c.StartedAt + plan.RunTime > now)
        {
            // Its own end, unless the scenario changed since it started (a container still running has not reached it).
            candidates.Add((c.StartedAt + plan.RunTime, plan.ExitCode, plan.OomKilled ? "OOMKilled" : null));
        }

        if (scenario?.OnSigterm != "ignore")
        {
            var exitMs = scenario?.SigtermExitMs ?? 0;
            candidates.Add((now + TimeSpan.FromMilliseconds(exitMs), scenario?.SigtermExitCode ?? 143, null));
        }

        candidates.Add((killAt, 137, null));
        var end = candidates.Where(e => e.At <= killAt).MinBy(e => e.At);
        if (end.At < now + Step)
        {
            end.At = now + Step; // the pod is seen Terminating for at least one step, as on a real node
        }

        if (scenario is { SigtermLines.Count: > 0 } && c.Log is { } log && log.WritingEnds <= now - log.Start)
        {
            // Only after the lines already due: a line still due later would land after these.
            foreach (var line in scenario.SigtermLines)
            {
                log.Append(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
            }
        }

        return end;
    }

    private void StoppedAfterSigterm(PodRuntime rt, ContainerRuntime c, int token, int exitCode, string? reason)
    {
        if (c.RunToken != token || Get(rt) is null)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        c.Log?.Finish(now);
        c.State = "terminated";
        c.ExitCode = exitCode;
        c.Reason = reason ?? (exitCode == 0 ? "Completed" : "Error");
        c.FinishedAt = now;
        if (rt.All.Any(other => other.State == "running"))
        {
            WriteStatus(rt);
            return;
        }

        FinishStopped(rt); // writes the final phase with the last container's end, in one update
    }

    /// <summary>Once no container runs any more: the pod's final phase, then (for a deleted pod) its removal.</summary>
    private void FinishStopped(PodRuntime rt)
    {
        if (rt.All.Any(c => c.State == "running"))
        {
            return;
        }

        if (!rt.Finished)
        {
            rt.Finished = true;
            rt.Phase = rt.Main.All(c => c.State == "terminated" && c.ExitCode == 0) ? "Succeeded" : "Failed";
            WriteStatus(rt);
        }

        if (rt.RemoveWhenStopped)
        {
            rt.RemoveWhenStopped = false;
            cluster.Loop.Schedule(Step, () => PodRemoval.KubeletStopped(cluster, rt.Namespace, rt.Name, rt.Uid));
        }
    }

    /// <summary>A lost node's kubelet posts again: the statuses it could not write, then the deletions it missed.</summary>
    public void NodeRecovered(string node)
    {
        foreach (var rt in _pods.Values.Where(p => p.Node == node).ToList())
        {
            WriteStatus(rt);
            if (Get(rt) is { HasDeletionTimestamp: true } && !rt.Killing)
            {
                Kill(rt, "Stopping container {0}", remove: true);
            }
        }
    }
}
