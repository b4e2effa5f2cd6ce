using System.Globalization;
using System.Text.Json.Nodes;

namespace E2ePs.KubeEmulator.Admission;

/// <summary>The baseline checks; each cites its upstream file (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy).</summary>
internal static partial class PodSecurityChecks
{
    // check_capabilities_baseline.go
    private static readonly HashSet<string> s_defaultCapabilities = new(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    // check_seLinuxOptions.go
    private static readonly HashSet<string> s_seLinuxTypes = new(StringComparer.Ordinal) { "", "container_t", "container_init_t", "container_kvm_t" };

    // check_sysctls.go: the 1.0 set, net.ipv4.ip_local_reserved_ports from 1.27, the tcp keepalive/fin ones from 1.29, tcp_rmem/wmem from 1.32
    // (the "Sysctls" row of kubernetes/website content/en/docs/concepts/security/pod-security-standards.md).
    private static readonly (string Name, int Since)[] s_safeSysctls =
    [
        ("kernel.shm_rmid_forced", 0), ("net.ipv4.ip_local_port_range", 0), ("net.ipv4.tcp_syncookies", 0), ("net.ipv4.ping_group_range", 0),
        ("net.ipv4.ip_unprivileged_port_start", 0), ("net.ipv4.ip_local_reserved_ports", 27), ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_fin_timeout", 29), ("net.ipv4.tcp_keepalive_intvl", 29), ("net.ipv4.tcp_keepalive_probes", 29), ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_wmem", 32),
    ];

    // check_appArmorProfile.go: annotations container.apparmor.security.beta.kubernetes.io/* other than runtime/default or localhost/*.
    private static CheckResult? AppArmorProfile(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        const string prefix = "container.apparmor.security.beta.kubernetes.io/";
        var bad = new List<string>();
        foreach (var (key, value) in (meta["annotations"] as JsonObject) ?? [])
        {
            var v = value?.GetValue<string>() ?? "";
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !(v.Length == 0 || v == "runtime/default" || v.StartsWith("localhost/", StringComparison.Ordinal)))
            {
                bad.Add($"{key}=\"{v}\"");
            }
        }

        bad.Sort(StringComparer.Ordinal);
        return bad.Count == 0 ? null : new CheckResult(Pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.Count), string.Join(", ", bad));
    }

    private static CheckResult? CapabilitiesBaseline(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badContainers = new List<string>();
        var caps = new List<string>();
        foreach (var c in Containers(spec))
        {
            var added = Strings(At(c, "securityContext", "capabilities")?["add"]).Where(a => !s_defaultCapabilities.Contains(a)).ToList();
            if (added.Count > 0)
            {
                badContainers.Add(Name(c));
                caps.AddRange(added);
            }
        }

        return badContainers.Count == 0 ? null : new CheckResult("non-default capabilities",
            $"{Pluralize("container", "containers", badContainers.Count)} {JoinQuote(badContainers)} must not include {JoinQuote(Sorted(caps))} in securityContext.capabilities.add");
    }

    // check_hostNamespaces.go
    private static CheckResult? HostNamespaces(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var used = new[] { "hostNetwork", "hostPID", "hostIPC" }.Where(f => Bool(spec, f) == true).ToList();
        return used.Count == 0 ? null : new CheckResult("host namespaces", string.Join(", ", Sorted(used)));
    }

    // check_hostPathVolumes.go
    private static CheckResult? HostPathVolumes(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var names = (spec["volumes"] as JsonArray)?.OfType<JsonObject>().Where(v => v["hostPath"] is JsonObject).Select(Name).ToList() ?? [];
        return names.Count == 0 ? null : new CheckResult("hostPath volumes", $"{Pluralize("volume", "volumes", names.Count)} {JoinQuote(names)}");
    }

    // check_hostPorts.go
    private static CheckResult? HostPorts(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badContainers = new List<string>();
        var ports = new List<string>();
        foreach (var c in Containers(spec))
        {
            var hostPorts = (c["ports"] as JsonArray)?.OfType<JsonObject>().Select(p => Long(p, "hostPort") ?? 0).Where(p => p != 0).ToList() ?? [];
            if (hostPorts.Count > 0)
            {
                badContainers.Add(Name(c));
                ports.AddRange(hostPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
            }
        }

        var sorted = Sorted(ports);
        return badContainers.Count == 0 ? null : new CheckResult("hostPort",
            $"{Pluralize("container", "containers", badContainers.Count)} {JoinQuote(badContainers)} {Pluralize("uses", "use", badContainers.Count)} {Pluralize("hostPort", "hostPorts", sorted.Count)} {string.Join(", ", sorted)}");
    }

    // check_hostProbesAndhostLifecycle.go (1.34+)
    private static CheckResult? HostProbesAndHostLifecycle(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badContainers = new List<string>();
        var hosts = new List<string>();
        foreach (var c in Containers(spec))
        {
            var handlers = new[] { c["livenessProbe"], c["readinessProbe"], c["startupProbe"], At(c, "lifecycle")?["postStart"], At(c, "lifecycle")?["preStop"] };
            var found = handlers.SelectMany(h => new[] { Text(At(h, "httpGet"), "host"), Text(At(h, "tcpSocket"), "host") }).OfType<string>().Where(h => h.Length > 0).ToList();
            if (found.Count > 0)
            {
                badContainers.Add(Name(c));
                hosts.AddRange(found);
            }
        }

        var containers = Sorted(badContainers);
        var sorted = Sorted(hosts);
        return containers.Count == 0 ? null : new CheckResult("probe or lifecycle host",
            $"{Pluralize("container", "containers", containers.Count)} {JoinQuote(containers)} {Pluralize("uses", "use", containers.Count)} {Pluralize("probe or lifecycle host", "probe or lifecycle hosts", sorted.Count)} {JoinQuote(sorted)}");
    }

    // check_privileged.go
    private static CheckResult? Privileged(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var bad = Containers(spec).Where(c => Bool(Sc(c), "privileged") == true).Select(Name).ToList();
        return bad.Count == 0 ? null : new CheckResult("privileged",
            $"{Pluralize("container", "containers", bad.Count)} {JoinQuote(bad)} must not set securityContext.privileged=true");
    }

    // check_procMount.go
    private static CheckResult? ProcMount(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var bad = new List<string>();
        var types = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (Text(Sc(c), "procMount") is { } type && type != "Default")
            {
                bad.Add(Name(c));
                types.Add(type);
            }
        }

        return bad.Count == 0 ? null : new CheckResult("procMount",
            $"{Pluralize("container", "containers", bad.Count)} {JoinQuote(bad)} must not set securityContext.procMount to {JoinQuote(Sorted(types))}");
    }

    // check_seLinuxOptions.go (its detail names user and role only when a type is bad too, as upstream's does)
    private static CheckResult? SeLinuxOptions(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badSetters = new List<string>();
        var badTypes = new List<string>();
        bool setUser = false, setRole = false;
        bool Valid(JsonObject? opts)
        {
            if (opts is null)
            {
                return true;
            }

            var valid = true;
            var type = Text(opts, "type") ?? "";
            if (!s_seLinuxTypes.Contains(type))
            {
                valid = false;
                badTypes.Add(type);
            }

            if ((Text(opts, "user") ?? "").Length > 0)
            {
                valid = false;
                setUser = true;
            }

            if ((Text(opts, "role") ?? "").Length > 0)
            {
                valid = false;
                setRole = true;
            }

            return valid;
        }

        if (!Valid(At(spec, "securityContext", "seLinuxOptions")))
        {
            badSetters.Add("pod");
        }

        var badContainers = Containers(spec).Where(c => !Valid(At(c, "securityContext", "seLinuxOptions"))).Select(Name).ToList();
        if (badContainers.Count > 0)
        {
            badSetters.Add($"{Pluralize("container", "containers", badContainers.Count)} {JoinQuote(badContainers)}");
        }

        if (badSetters.Count == 0)
        {
            return null;
        }

        var badData = new List<string>();
        var types = Sorted(badTypes);
        if (types.Count > 0)
        {
            badData.Add($"{Pluralize("type", "types", types.Count)} {JoinQuote(types)}");
            if (setUser)
            {
                badData.Add("user may not be set");
            }

            if (setRole)
            {
                badData.Add("role may not be set");
            }
        }

        return new CheckResult("seLinuxOptions", $"{string.Join(" and ", badSetters)} set forbidden securityContext.seLinuxOptions: {string.Join("; ", badData)}");
    }

    private static bool ValidSeccomp(string? type) => type is "Localhost" or "RuntimeDefault";

    // check_seccompProfile_baseline.go (1.19+: the field; the alpha annotations of 1.0-1.18 are not emulated)
    private static CheckResult? SeccompBaseline(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var badSetters = new List<string>();
        var badValues = new List<string>();
        if (At(spec, "securityContext", "seccompProfile") is { } pod && !ValidSeccomp(Text(pod, "type")))
        {
            badSetters.Add("pod");
            badValues.Add(Text(pod, "type") ?? "");
        }

        var bad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (At(c, "securityContext", "seccompProfile") is { } profile && !ValidSeccomp(Text(profile, "type")))
            {
                bad.Add(Name(c));
                badValues.Add(Text(profile, "type") ?? "");
            }
        }

        if (bad.Count > 0)
        {
            badSetters.Add($"{Pluralize("container", "containers", bad.Count)} {JoinQuote(bad)}");
        }

        return badSetters.Count == 0 ? null : new CheckResult("seccompProfile",
            $"{string.Join(" and ", badSetters)} must not set securityContext.seccompProfile.type to {JoinQuote(Sorted(badValues))}");
    }

    // check_sysctls.go
    private static CheckResult? Sysctls(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var forbidden = (At(spec, "securityContext")?["sysctls"] as JsonArray)?.OfType<JsonObject>()
            .Select(s => Text(s, "name") ?? "")
            .Where(name => !s_safeSysctls.Any(safe => safe.Name == name && lv.Has(safe.Since)))
            .ToList() ?? [];
        return forbidden.Count == 0 ? null : new CheckResult("forbidden sysctls", string.Join(", ", forbidden));
    }

    // check_windowsHostProcess.go
    private static CheckResult? WindowsHostProcess(JsonObject meta, JsonObject spec, LevelVersion lv)
    {
        var setters = new List<string>();
        if (Bool(At(spec, "securityContext", "windowsOptions"), "hostProcess") == true)
        {
            setters.Add("pod");
        }

        var bad = Containers(spec).Where(c => Bool(At(c, "securityContext", "windowsOptions"), "hostProcess") == true).Select(Name).ToList();
        if (bad.Count > 0)
        {
            setters.Add($"{Pluralize("container", "containers", bad.Count)} {JoinQuote(bad)}");
        }

        return setters.Count == 0 ? null : new CheckResult("hostProcess", $"{string.Join(" and ", setters)} must not set securityContext.windowsOptions.hostProcess=true");
    }
}
