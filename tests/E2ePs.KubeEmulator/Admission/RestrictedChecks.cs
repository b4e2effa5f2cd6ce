using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>The restricted checks; each cites its upstream file (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy).</summary>
internal static partial class PodSecurityChecks
{
    // check_restrictedVolumes.go: volume sources other than these are restricted.
    private static readonly string[] s_allowedVolumeSources = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    private static readonly string[] s_namedVolumeSources =
    [
        "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs",
        "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
    ];

    /// <summary>From 1.25 the restricted checks that mean nothing on Windows skip pods with spec.os.name: windows.</summary>
    private static bool WindowsExempt(JsonObject spec, LevelVersion lv) => lv.Has(25) && IsWindows(spec);

    // check_allowPrivilegeEscalation.go
    private static CheckResult? AllowPrivilegeEscalation(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        if (WindowsExempt(spec, lv))
        {
            return null;
        }

        var bad = Containers(spec).Where(c => Bool(Sc(c), "allowPrivilegeEscalation") != false).Select(Name).ToList();
        return bad.Count == 0 ? null : new CheckResult("allowPrivilegeEscalation != false",
            $"{Pluralize("container", "containers", bad.Count)} {JoinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false");
    }

    // check_capabilities_restricted.go
    private static CheckResult? CapabilitiesRestricted(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        if (WindowsExempt(spec, lv))
        {
            return null;
        }

        var missingDropAll = new List<string>();
        var adding = new List<string>();
        var caps = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (At(c, "securityContext", "capabilities") is not { } capabilities)
            {
                missingDropAll.Add(Name(c));
                continue;
            }

            if (!Strings(capabilities["drop"]).Contains("ALL"))
            {
                missingDropAll.Add(Name(c));
            }

            var forbidden = Strings(capabilities["add"]).Where(a => a != "NET_BIND_SERVICE").ToList();
            if (forbidden.Count > 0)
            {
                adding.Add(Name(c));
                caps.AddRange(forbidden);
            }
        }

        var details = new List<string>();
        if (missingDropAll.Count > 0)
        {
            details.Add($"{Pluralize("container", "containers", missingDropAll.Count)} {JoinQuote(missingDropAll)} must set securityContext.capabilities.drop=[\"ALL\"]");
        }

        if (adding.Count > 0)
        {
            details.Add($"{Pluralize("container", "containers", adding.Count)} {JoinQuote(adding)} must not include {JoinQuote(Sorted(caps))} in securityContext.capabilities.add");
        }

        return details.Count == 0 ? null : new CheckResult("unrestricted capabilities", string.Join("; ", details));
    }

    // check_restrictedVolumes.go
    private static CheckResult? RestrictedVolumes(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var bad = new List<string>();
        var types = new List<string>();
        foreach (var volume in (spec["volumes"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (s_allowedVolumeSources.Any(s => volume[s] is JsonObject))
            {
                continue;
            }

            bad.Add(Name(volume));
            types.Add(s_namedVolumeSources.FirstOrDefault(s => volume[s] is JsonObject) ?? "unknown");
        }

        var sorted = Sorted(types);
        return bad.Count == 0 ? null : new CheckResult("restricted volume types",
            $"{Pluralize("volume", "volumes", bad.Count)} {JoinQuote(bad)} {Pluralize("uses", "use", bad.Count)} {Pluralize("restricted volume type", "restricted volume types", sorted.Count)} {JoinQuote(sorted)}");
    }

    // check_runAsNonRoot.go
    private static CheckResult? RunAsNonRoot(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badSetters = new List<string>();
        var podSet = false;
        if (Bool(Sc(spec), "runAsNonRoot") is { } pod)
        {
            if (pod)
            {
                podSet = true;
            }
            else
            {
                badSetters.Add("pod");
            }
        }

        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (Bool(Sc(c), "runAsNonRoot") is { } value)
            {
                if (!value)
                {
                    explicitlyBad.Add(Name(c));
                }
            }
            else if (!podSet)
            {
                implicitlyBad.Add(Name(c));
            }
        }

        if (explicitlyBad.Count > 0)
        {
            badSetters.Add($"{Pluralize("container", "containers", explicitlyBad.Count)} {JoinQuote(explicitlyBad)}");
        }

        if (badSetters.Count > 0)
        {
            return new CheckResult("runAsNonRoot != true", $"{string.Join(" and ", badSetters)} must not set securityContext.runAsNonRoot=false");
        }

        return implicitlyBad.Count == 0 ? null : new CheckResult("runAsNonRoot != true",
            $"pod or {Pluralize("container", "containers", implicitlyBad.Count)} {JoinQuote(implicitlyBad)} must set securityContext.runAsNonRoot=true");
    }

    // check_runAsUser.go
    private static CheckResult? RunAsUser(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badSetters = new List<string>();
        if (Long(Sc(spec), "runAsUser") == 0)
        {
            badSetters.Add("pod");
        }

        var bad = Containers(spec).Where(c => Long(Sc(c), "runAsUser") == 0).Select(Name).ToList();
        if (bad.Count > 0)
        {
            badSetters.Add($"{Pluralize("container", "containers", bad.Count)} {JoinQuote(bad)}");
        }

        return badSetters.Count == 0 ? null : new CheckResult("runAsUser=0", $"{string.Join(" and ", badSetters)} must not set runAsUser=0");
    }

    // check_seccompProfile_restricted.go
    private static CheckResult? SeccompRestricted(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        if (WindowsExempt(spec, lv))
        {
            return null;
        }

        var badSetters = new List<string>();
        var badValues = new List<string>();
        var podSet = false;
        if (At(spec, "securityContext", "seccompProfile") is { } pod)
        {
            if (ValidSeccomp(Text(pod, "type")))
            {
                podSet = true;
            }
            else
            {
                badSetters.Add("pod");
                badValues.Add(Text(pod, "type") ?? "");
            }
        }

        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (At(c, "securityContext", "seccompProfile") is { } profile)
            {
                if (!ValidSeccomp(Text(profile, "type")))
                {
                    explicitlyBad.Add(Name(c));
                    badValues.Add(Text(profile, "type") ?? "");
                }
            }
            else if (!podSet)
            {
                implicitlyBad.Add(Name(c));
            }
        }

        if (explicitlyBad.Count > 0)
        {
            badSetters.Add($"{Pluralize("container", "containers", explicitlyBad.Count)} {JoinQuote(explicitlyBad)}");
        }

        if (badSetters.Count > 0)
        {
            return new CheckResult("seccompProfile", $"{string.Join(" and ", badSetters)} must not set securityContext.seccompProfile.type to {JoinQuote(Sorted(badValues))}");
        }

        return implicitlyBad.Count == 0 ? null : new CheckResult("seccompProfile",
            $"pod or {Pluralize("container", "containers", implicitlyBad.Count)} {JoinQuote(implicitlyBad)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }
}
