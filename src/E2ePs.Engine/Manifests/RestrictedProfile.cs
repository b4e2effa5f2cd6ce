using k8s.Models;

namespace E2ePs.Engine.Manifests;

/// <summary>
/// The checks of the Pod Security Standards "restricted" profile (the Kubernetes documentation's
/// list, policy version latest), applied to a pod spec. Returns every violation, not just the first.
/// </summary>
public static class RestrictedProfile
{
    private static readonly HashSet<string> s_allowedVolumeSources =
    [
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    ];

    private static readonly HashSet<string> s_safeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];

    /// <summary>The violations of <paramref name="spec"/>; empty when it meets the profile.</summary>
    public static IReadOnlyList<string> Check(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var violations = new List<string>();
        var pod = spec.SecurityContext;

        if (spec.HostNetwork == true || spec.HostPID == true || spec.HostIPC == true)
        {
            violations.Add("host namespaces: hostNetwork, hostPID and hostIPC must be unset or false");
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.HostPath is not null || !UsesAllowedSource(volume))
            {
                violations.Add($"volume '{volume.Name}' uses a type the profile forbids");
            }
        }

        foreach (var sysctl in pod?.Sysctls ?? [])
        {
            if (!s_safeSysctls.Contains(sysctl.Name))
            {
                violations.Add($"sysctl '{sysctl.Name}' is not in the safe set");
            }
        }

        if (pod?.RunAsUser == 0)
        {
            violations.Add("pod securityContext.runAsUser must not be 0");
        }

        var podSeccomp = pod?.SeccompProfile?.Type;
        if (podSeccomp is not null && !IsAllowedSeccomp(podSeccomp))
        {
            violations.Add($"pod seccompProfile.type '{podSeccomp}' must be RuntimeDefault or Localhost");
        }

        var containers = (spec.InitContainers ?? []).Concat(spec.Containers ?? []);
        foreach (var container in containers)
        {
            CheckContainer(container, pod, violations);
        }

        return violations;
    }

    private static void CheckContainer(V1Container container, V1PodSecurityContext? pod, List<string> violations)
    {
        var context = container.SecurityContext;
        var where = $"container '{container.Name}'";

        if (context?.Privileged == true)
        {
            violations.Add($"{where} must not be privileged");
        }

        if (context?.AllowPrivilegeEscalation != false)
        {
            violations.Add($"{where} must set securityContext.allowPrivilegeEscalation to false");
        }

        var drops = context?.Capabilities?.Drop ?? [];
        if (!drops.Contains("ALL"))
        {
            violations.Add($"{where} must drop ALL capabilities");
        }

        foreach (var added in context?.Capabilities?.Add ?? [])
        {
            if (added != "NET_BIND_SERVICE")
            {
                violations.Add($"{where} adds capability {added}; only NET_BIND_SERVICE may be added");
            }
        }

        var runAsNonRoot = context?.RunAsNonRoot ?? pod?.RunAsNonRoot;
        if (runAsNonRoot != true)
        {
            violations.Add($"{where} must run with runAsNonRoot true (on the pod or the container)");
        }

        if (context?.RunAsUser == 0)
        {
            violations.Add($"{where} must not set runAsUser 0");
        }

        var seccomp = context?.SeccompProfile?.Type ?? pod?.SeccompProfile?.Type;
        if (seccomp is null || !IsAllowedSeccomp(seccomp))
        {
            violations.Add($"{where} must use seccompProfile RuntimeDefault or Localhost (on the pod or the container)");
        }

        if (context?.ProcMount is not null and not "Default")
        {
            violations.Add($"{where} must use the Default procMount");
        }

        foreach (var port in container.Ports ?? [])
        {
            if (port.HostPort is not null and not 0)
            {
                violations.Add($"{where} must not use hostPort {port.HostPort}");
            }
        }
    }

    private static bool IsAllowedSeccomp(string type) => type is "RuntimeDefault" or "Localhost";

    private static bool UsesAllowedSource(V1Volume volume)
    {
        var used = new List<string>();
        if (volume.ConfigMap is not null) used.Add("configMap");
        if (volume.Csi is not null) used.Add("csi");
        if (volume.DownwardAPI is not null) used.Add("downwardAPI");
        if (volume.EmptyDir is not null) used.Add("emptyDir");
        if (volume.Ephemeral is not null) used.Add("ephemeral");
        if (volume.PersistentVolumeClaim is not null) used.Add("persistentVolumeClaim");
        if (volume.Projected is not null) used.Add("projected");
        if (volume.Secret is not null) used.Add("secret");

        // A volume whose source is none of the allowed ones (hostPath, nfs, iscsi, ...) shows up as no match.
        return used.Count == 1 && s_allowedVolumeSources.Contains(used[0]);
    }
}
