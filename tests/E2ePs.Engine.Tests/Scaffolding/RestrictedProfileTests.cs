using E2ePs.Engine.Manifests;
using k8s.Models;

namespace E2ePs.Engine.Tests.Scaffolding;

public sealed class RestrictedProfileTests
{
    [Fact]
    public void The_guides_root_init_container_is_reported()
    {
        // The init container of the hand-written guide: root, with CHOWN added back.
        var spec = new V1PodSpec
        {
            SecurityContext = new V1PodSecurityContext { FsGroup = 1000, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            InitContainers =
            [
                new V1Container
                {
                    Name = "clone-repo",
                    SecurityContext = new V1SecurityContext
                    {
                        RunAsUser = 0,
                        AllowPrivilegeEscalation = false,
                        Capabilities = new V1Capabilities { Drop = ["ALL"], Add = ["CHOWN"] },
                    },
                },
            ],
            Containers = [new V1Container { Name = "test-runner", SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, RunAsNonRoot = true, Capabilities = new V1Capabilities { Drop = ["ALL"] } } }],
        };

        var violations = RestrictedProfile.Check(spec);

        Assert.Contains(violations, v => v.Contains("runAsUser 0", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("CHOWN", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("'clone-repo' must run with runAsNonRoot", StringComparison.Ordinal));
        Assert.DoesNotContain(violations, v => v.Contains("'test-runner'", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_paths_and_host_namespaces_are_reported()
    {
        var spec = new V1PodSpec
        {
            HostNetwork = true,
            Volumes = [new V1Volume { Name = "docker", HostPath = new V1HostPathVolumeSource { Path = "/var/run/docker.sock" } }],
            Containers = [],
        };

        var violations = RestrictedProfile.Check(spec);

        Assert.Contains(violations, v => v.Contains("host namespaces", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("'docker'", StringComparison.Ordinal));
    }
}
