namespace E2ePs.KubeEmulator;

/// <summary>
/// Scripted behaviour of a container. Matched by image glob (<c>*</c>, <c>?</c>) and optionally container name
/// and a substring of the joined command and args. Logs are explicit <see cref="Lines"/> first, then generated lines.
/// </summary>
public sealed class ContainerScenario
{
    /// <summary>Image glob, e.g. <c>busybox*</c> or <c>*</c>.</summary>
    public string Image { get; set; } = "*";

    /// <summary>Only containers with this name (null: any).</summary>
    public string? ContainerName { get; set; }

    /// <summary>Only containers whose command + args contain this text (null: any).</summary>
    public string? CommandContains { get; set; }

    /// <summary>Lines logged in order, <see cref="LineIntervalMs"/> apart.</summary>
    public IList<string> Lines { get; set; } = new List<string>();

    /// <summary>Delay between explicit lines.</summary>
    public int LineIntervalMs { get; set; }

    /// <summary>How long after the start the first line (explicit or generated) is written: a runner's set-up.</summary>
    public int StartDelayMs { get; set; }

    /// <summary>Number of generated lines ("line 00000001 ..." of <see cref="LineLength"/> bytes with the newline).</summary>
    public long GenerateLines { get; set; }

    /// <summary>Megabytes (10^6 bytes) of generated log; adds to <see cref="GenerateLines"/>.</summary>
    public double LogMegabytes { get; set; }

    /// <summary>Length of a generated line including its newline (min 16).</summary>
    public int LineLength { get; set; } = 100;

    /// <summary>Time over which the generated lines are written (0: all at once at start).</summary>
    public int EmitDurationMs { get; set; }

    /// <summary>Minimum run time of the container (it also runs until its lines are written).</summary>
    public int DurationMs { get; set; }

    /// <summary>Exit code when <see cref="ExitCodes"/> does not say otherwise.</summary>
    public int ExitCode { get; set; }

    /// <summary>Exit code per attempt: attempt index = number of pods the job had before this one (the last entry repeats).</summary>
    public IList<int> ExitCodes { get; set; } = new List<int>();

    /// <summary>The container is OOM-killed (exit 137, reason OOMKilled) at the end of its run.</summary>
    public bool OomKilled { get; set; }

    /// <summary>The image cannot be pulled (ErrImagePull, then ImagePullBackOff).</summary>
    public bool ImageMissing { get; set; }

    /// <summary>
    /// What the container does when the kubelet stops it (pod deletion, eviction, the Job's deadline) with SIGTERM:
    /// "exit" (default) exits <see cref="SigtermExitMs"/> later with <see cref="SigtermExitCode"/>; "ignore" runs on
    /// and is killed with SIGKILL (exit 137) when the grace period ends. Either way it ends earlier if its own run ends first.
    /// </summary>
    public string OnSigterm { get; set; } = "exit";

    /// <summary>Lines the container writes when SIGTERM arrives (a runner that writes its report as it is stopped).</summary>
    public IList<string> SigtermLines { get; set; } = new List<string>();

    /// <summary>How long after SIGTERM an "exit" container takes to exit; past the grace period it is killed (137).</summary>
    public int SigtermExitMs { get; set; }

    /// <summary>Exit code of a container that exits on SIGTERM (128 + 15, as a shell's default handler).</summary>
    public int SigtermExitCode { get; set; } = 143;
}
