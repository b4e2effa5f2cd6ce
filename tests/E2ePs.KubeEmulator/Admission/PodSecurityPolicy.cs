using System.Globalization;
using System.Text.RegularExpressions;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>A Pod Security Standards level and the version of its checks ("restricted:latest", "baseline:v1.30").</summary>
internal readonly record struct LevelVersion(string Level, int? Minor)
{
    public const string Privileged = "privileged";
    public const string Baseline = "baseline";
    public const string Restricted = "restricted";

    public static readonly LevelVersion PrivilegedLatest = new(Privileged, null);

    /// <summary>
    /// The minor version the emulator's API server reports (/version, Discovery/DiscoveryDocuments.cs): "latest", and any newer
    /// version label, evaluate as its checks, as registry.go clamps a version to the newest its checks know.
    /// </summary>
    public const int ServerMinor = 32;

    /// <summary>Whether checks of Kubernetes 1.<paramref name="minor"/> apply at this version.</summary>
    public bool Has(int minor) => Math.Min(Minor ?? ServerMinor, ServerMinor) >= minor;

    public override string ToString() => Level + ":" + (Minor is { } m ? "v1." + m.ToString(CultureInfo.InvariantCulture) : "latest");
}

/// <summary>
/// The policy of a namespace from its labels, as kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/api/helpers.go
/// (PolicyToEvaluate) reads them: pod-security.kubernetes.io/{enforce,audit,warn}[-version]; the defaults are privileged:latest
/// (the API server's default AdmissionConfiguration). An invalid enforce level is restricted (fail closed), an invalid audit or
/// warn level privileged (fail open), an invalid version latest. Since 1.26 (kubernetes/kubernetes#113491) an unset warn level
/// defaults to the enforce level (and its version), so a namespace with only enforce warns on workload writes.
/// </summary>
internal sealed record PodSecurityPolicy(LevelVersion Enforce, LevelVersion Audit, LevelVersion Warn)
{
    private const string Prefix = "pod-security.kubernetes.io/";
    private static readonly Regex s_version = new(@"^v1\.(0|[1-9][0-9]*)$", RegexOptions.CultureInvariant);

    public bool FullyPrivileged => Enforce.Level == LevelVersion.Privileged && Audit.Level == LevelVersion.Privileged && Warn.Level == LevelVersion.Privileged;

    public static PodSecurityPolicy FromLabels(IReadOnlyDictionary<string, string> labels)
    {
        var enforce = Read(labels, "enforce", LevelVersion.Restricted);
        var audit = Read(labels, "audit", LevelVersion.Privileged);
        var warn = Read(labels, "warn", LevelVersion.Privileged);
        if (!labels.ContainsKey(Prefix + "warn") && labels.ContainsKey(Prefix + "enforce") && Strictness(enforce.Level) > Strictness(warn.Level))
        {
            warn = labels.ContainsKey(Prefix + "warn-version") ? enforce with { Minor = warn.Minor } : enforce;
        }

        return new PodSecurityPolicy(enforce, audit, warn);
    }

    private static LevelVersion Read(IReadOnlyDictionary<string, string> labels, string mode, string invalidLevel)
    {
        var level = LevelVersion.Privileged;
        if (labels.TryGetValue(Prefix + mode, out var text))
        {
            level = text is LevelVersion.Privileged or LevelVersion.Baseline or LevelVersion.Restricted ? text : invalidLevel;
        }

        int? minor = null;
        if (labels.TryGetValue(Prefix + mode + "-version", out var version) && version != "latest" && s_version.Match(version) is { Success: true } m)
        {
            minor = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return new LevelVersion(level, minor);
    }

    private static int Strictness(string level) => level switch
    {
        LevelVersion.Restricted => 2,
        LevelVersion.Baseline => 1,
        _ => 0,
    };
}
