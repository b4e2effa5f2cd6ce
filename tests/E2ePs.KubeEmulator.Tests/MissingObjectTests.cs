using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The simulated kubelet holds a pod whose Secret or ConfigMap is missing as a real one does (docs/emulator.md,
/// "The simulated cluster"): a volume is FailedMount with the pod in ContainerCreating; an env reference is
/// CreateContainerConfigError; creating the object later starts the pod. Over KubernetesClient.
/// </summary>
[Collection("emulator")]
public sealed class MissingObjectTests(EmulatorFixture fx)
{
    private static V1Job WithVolume(string name, V1Volume volume)
    {
        var job = Manifests.Job(name, "registry.example/e2e:1", ["sh", "-c", "echo mounted"]);
        job.Spec.Template.Spec.Volumes = [volume];
        job.Spec.Template.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = volume.Name, MountPath = "/etc/mounted" }];
        return job;
    }

    private async Task<V1Pod> PodAsync(string ns, string job, Func<V1Pod, bool> done, string what) =>
        (await Eventually.WaitAsync(
            async () => (await fx.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"job-name={job}")).Items.ToList(),
            pods => pods.Count == 1 && done(pods[0]), what))[0];

    private async Task<Corev1Event> EventAsync(string ns, V1Pod pod, string reason) =>
        (await Eventually.WaitAsync(
            async () => (await fx.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.uid={pod.Metadata.Uid}")).Items.ToList(),
            events => events.Any(e => e.Reason == reason), reason)).First(e => e.Reason == reason);

    [Fact]
    public async Task A_missing_secret_volume_is_FailedMount_until_the_secret_is_created()
    {
        var ns = await fx.NewNamespaceAsync("missing-secret-volume");
        await fx.Client.BatchV1.CreateNamespacedJobAsync(WithVolume("mount", new V1Volume { Name = "git-credentials", Secret = new V1SecretVolumeSource { SecretName = "repo-git" } }), ns);

        var pod = await PodAsync(ns, "mount", p => p.Spec.NodeName is not null, "the pod scheduled");
        var failed = await EventAsync(ns, pod, "FailedMount");
        Assert.Equal("Warning", failed.Type);
        Assert.Equal("kubelet", failed.Source.Component);
        Assert.Equal("MountVolume.SetUp failed for volume \"git-credentials\" : secret \"repo-git\" not found", failed.Message);
        var held = await fx.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
        Assert.Equal("Pending", held.Status.Phase);
        Assert.Equal("ContainerCreating", held.Status.ContainerStatuses.Single().State.Waiting.Reason);

        await fx.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "repo-git" }, StringData = new Dictionary<string, string> { ["username"] = "ci" } }, ns);
        await PodAsync(ns, "mount", p => p.Status?.Phase == "Succeeded", "the pod started once the Secret exists");
    }

    [Fact]
    public async Task A_missing_configmap_key_of_a_volume_is_FailedMount_in_the_configmap_plugin_words()
    {
        var ns = await fx.NewNamespaceAsync("missing-configmap-key");
        await fx.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["other"] = "1" } }, ns);
        await fx.Client.BatchV1.CreateNamespacedJobAsync(WithVolume("items", new V1Volume
        {
            Name = "settings",
            ConfigMap = new V1ConfigMapVolumeSource { Name = "settings", Items = [new V1KeyToPath { Key = "settings.json", Path = "settings.json" }] },
        }), ns);

        var pod = await PodAsync(ns, "items", p => p.Spec.NodeName is not null, "the pod scheduled");
        var failed = await EventAsync(ns, pod, "FailedMount");
        Assert.Equal("MountVolume.SetUp failed for volume \"settings\" : configmap references non-existent config key: settings.json", failed.Message);
    }

    [Fact]
    public async Task A_missing_secretKeyRef_is_CreateContainerConfigError()
    {
        var ns = await fx.NewNamespaceAsync("missing-secret-env");
        var job = Manifests.Job("env", "registry.example/e2e:1", ["sh", "-c", "echo configured"]);
        job.Spec.Template.Spec.Containers[0].Env = [new V1EnvVar { Name = "API_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "api-tokens", Key = "ci" } } }];
        await fx.Client.BatchV1.CreateNamespacedJobAsync(job, ns);

        var pod = await PodAsync(ns, "env", p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal("secret \"api-tokens\" not found", pod.Status.ContainerStatuses.Single().State.Waiting.Message);
        var failed = await EventAsync(ns, pod, "Failed");
        Assert.Equal("Error: secret \"api-tokens\" not found", failed.Message);
        Assert.Equal("spec.containers{test}", failed.InvolvedObject.FieldPath);

        // An optional reference is left out, as the kubelet leaves it out.
        var optional = Manifests.Job("optional-env", "registry.example/e2e:1", ["sh", "-c", "echo configured"]);
        optional.Spec.Template.Spec.Containers[0].Env = [new V1EnvVar { Name = "API_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "api-tokens", Key = "ci", Optional = true } } }];
        await fx.Client.BatchV1.CreateNamespacedJobAsync(optional, ns);
        await PodAsync(ns, "optional-env", p => p.Status?.Phase == "Succeeded", "the pod with an optional reference ran");
    }
}
