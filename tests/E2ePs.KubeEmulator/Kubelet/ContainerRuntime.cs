using System.Security.Cryptography;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Logs;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Kubelet;

/// <summary>The kubelet's view of one container: its state machine and what it renders into containerStatuses.</summary>
internal sealed class ContainerRuntime(JsonObject spec, bool isInit)
{
    public string Name { get; } = spec.Str("name") ?? "";

    public string Image { get; } = spec.Str("image") ?? "";

    public bool IsInit { get; } = isInit;

    public JsonObject Spec { get; } = spec;

    public List<string> Argv { get; } =
        [.. (spec["command"] as JsonArray ?? []).Select(n => n?.ToString() ?? ""), .. (spec["args"] as JsonArray ?? []).Select(n => n?.ToString() ?? "")];

    public string FieldPath => (IsInit ? "spec.initContainers{" : "spec.containers{") + Name + "}";

    /// <summary>"waiting", "running" or "terminated".</summary>
    public string State { get; set; } = "waiting";

    public string Reason { get; set; } = "ContainerCreating";

    public string? Message { get; set; }

    public int ExitCode { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset FinishedAt { get; set; }

    public int RestartCount { get; set; }

    public int PullFailures { get; set; }

    public JsonObject? LastState { get; set; }

    public string? ContainerId { get; set; }

    public ContainerLog? Log { get; set; }

    /// <summary>The real runtime's image, working container and process; null for a simulated container.</summary>
    public Runtime.RealContainer? Real { get; set; }

    /// <summary>Bumped on every (re)start so timers of an earlier run are recognised as stale.</summary>
    public int RunToken { get; set; }

    public bool ImagePulled { get; set; }

    /// <summary>The runtime's exit, not yet seen by the kubelet's relist (<see cref="EmulatorOptions.PodStatusLag"/>).</summary>
    public (int ExitCode, string? Reason, string? Message, DateTimeOffset At)? PendingExit { get; set; }

    public bool Started => State is "running" or "terminated";

    public void NewContainerId() => ContainerId = "containerd://" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public JsonObject StateNode() => State switch
    {
        "running" => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = JsonDefaults.Time(StartedAt) } },
        "terminated" => TerminatedNode(),
        _ => new JsonObject { ["waiting"] = Message is null ? new JsonObject { ["reason"] = Reason } : new JsonObject { ["reason"] = Reason, ["message"] = Message } },
    };

    public JsonObject TerminatedNode()
    {
        var t = new JsonObject
        {
            ["exitCode"] = ExitCode,
            ["reason"] = Reason,
            ["startedAt"] = JsonDefaults.Time(StartedAt),
            ["finishedAt"] = JsonDefaults.Time(FinishedAt),
        };
        if (Message is not null)
        {
            t["message"] = Message;
        }

        if (ContainerId is not null)
        {
            t["containerID"] = ContainerId;
        }

        return new JsonObject { ["terminated"] = t };
    }

    public JsonObject StatusNode(bool ready)
    {
        var (host, repository, reference) = ImageChecker.ParseReference(Image);
        var fullRepo = host is null ? "docker.io/" + (repository.Contains('/', StringComparison.Ordinal) ? repository : "library/" + repository) : host + "/" + repository;
        var status = new JsonObject
        {
            ["name"] = Name,
            ["state"] = StateNode(),
            ["lastState"] = LastState?.DeepClone() ?? new JsonObject(),
            ["ready"] = ready,
            ["restartCount"] = RestartCount,
            ["image"] = reference.StartsWith("sha256:", StringComparison.Ordinal) ? fullRepo + "@" + reference : fullRepo + ":" + reference,
            ["imageID"] = ImagePulled ? fullRepo + "@sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Image))) : "",
        };
        if (ContainerId is not null && Started)
        {
            status["containerID"] = ContainerId;
        }

        if (!IsInit)
        {
            status["started"] = State == "running";
        }

        return status;
    }
}
