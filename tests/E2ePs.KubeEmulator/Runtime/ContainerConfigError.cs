namespace E2ePs.KubeEmulator.Runtime;

/// <summary>
/// The container's config cannot be generated (a missing Secret, ConfigMap or key that env refers to): the kubelet
/// leaves the container waiting with reason CreateContainerConfigError and this message, and retries on later syncs
/// (pkg/kubelet/kuberuntime/kuberuntime_container.go, startContainer: ErrCreateContainerConfig).
/// </summary>
internal sealed class ContainerConfigError(string message) : Exception(message);

/// <summary>A pod volume cannot be set up (a missing Secret or ConfigMap): event FailedMount, the pod stays ContainerCreating and is retried.</summary>
internal sealed class VolumeSetupError(string message) : Exception(message);
