using E2ePs.Engine.Manifests;
using k8s.Models;

namespace E2ePs.Engine.Scaffolding;

/// <summary>
/// Sets a job's values on the typed objects of the base manifest. Values are only ever assigned to
/// object properties, never pasted into YAML text, so the serializer escapes every one of them.
/// </summary>
public static class ManifestBuilder
{
    /// <summary>Builds the manifest of <paramref name="spec"/> from the template folder's base manifest.</summary>
    public static JobManifest Build(string templateRoot, TemplateDefinition template, JobSpecification spec)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(spec);
        var basePath = Path.Combine(templateRoot, TemplateDefinition.BaseManifestFile);
        var manifest = JobManifest.Parse(File.ReadAllText(basePath), basePath);
        var name = JobNames.KubernetesName(spec.Name);
        var labels = Labels(spec);

        foreach (var document in manifest.Documents)
        {
            document.Metadata.Name = name;
            document.Metadata.NamespaceProperty = spec.Namespace;
            document.Metadata.Labels = new Dictionary<string, string>(labels);
        }

        manifest.RoleBinding.RoleRef.Name = name;
        var subject = manifest.RoleBinding.Subjects.Single();
        subject.Name = name;
        subject.NamespaceProperty = spec.Namespace;

        var job = manifest.Job;
        job.Metadata.Annotations = new Dictionary<string, string>
        {
            [JobLabels.TestPathAnnotation] = spec.TestPath,
            [JobLabels.TemplateAnnotation] = template.Name,
            [JobLabels.RunnerAnnotation] = template.Runner,
        };
        job.Spec.BackoffLimit = spec.BackoffLimit ?? job.Spec.BackoffLimit;
        job.Spec.ActiveDeadlineSeconds = spec.ActiveDeadlineSeconds ?? job.Spec.ActiveDeadlineSeconds;
        job.Spec.TtlSecondsAfterFinished = spec.TtlSecondsAfterFinished ?? job.Spec.TtlSecondsAfterFinished;

        var pod = job.Spec.Template;
        pod.Metadata ??= new V1ObjectMeta();
        pod.Metadata.Labels = new Dictionary<string, string>(labels);
        pod.Spec.ServiceAccountName = name;
        if (spec.ImagePullSecrets.Count > 0)
        {
            pod.Spec.ImagePullSecrets = [.. spec.ImagePullSecrets.Select(secret => new V1LocalObjectReference { Name = secret })];
        }

        SetCloneContainer(manifest, spec);
        SetTestContainer(manifest.TestContainer, template, spec);
        return manifest;
    }

    private static Dictionary<string, string> Labels(JobSpecification spec)
    {
        var labels = new Dictionary<string, string>
        {
            [JobLabels.AppName] = JobNames.KubernetesName(spec.Name),
            [JobLabels.AppComponent] = "e2e-test",
            [JobLabels.AppManagedBy] = "E2ePs",
            [JobLabels.E2eJob] = spec.Name,
        };
        if (spec.PartOf is not null)
        {
            labels[JobLabels.AppPartOf] = spec.PartOf;
        }

        return labels;
    }

    private static void SetCloneContainer(JobManifest manifest, JobSpecification spec)
    {
        var clone = manifest.CloneContainer!;
        SetEnv(clone, "GIT_REPOSITORY", spec.Repository);
        SetEnv(clone, "GIT_BRANCH", spec.Branch);
        if (spec.GitCredentialSecret is null)
        {
            return;
        }

        var podSpec = manifest.Job.Spec.Template.Spec;
        podSpec.Volumes.Add(new V1Volume
        {
            Name = JobLabels.GitCredentialsVolume,
            Secret = new V1SecretVolumeSource { SecretName = spec.GitCredentialSecret, DefaultMode = 0x120 /* 0440: readable by the fsGroup the clone runs as */ },
        });
        clone.VolumeMounts.Add(new V1VolumeMount
        {
            Name = JobLabels.GitCredentialsVolume,
            MountPath = JobLabels.GitCredentialsMountPath,
            ReadOnlyProperty = true,
        });
    }

    private static void SetTestContainer(V1Container container, TemplateDefinition template, JobSpecification spec)
    {
        container.Image = spec.Image;
        container.Command = [.. template.Command];
        container.Env ??= [];
        foreach (var (key, value) in template.Env)
        {
            SetEnv(container, key, value);
        }

        SetEnv(container, JobLabels.JobVariable, spec.Name);
        SetEnv(container, JobLabels.TestPathVariable, spec.TestPath);
        foreach (var (key, value) in spec.Env)
        {
            SetEnv(container, key, value);
        }

        foreach (var reference in spec.SecretEnv)
        {
            container.Env.Add(new V1EnvVar
            {
                Name = reference.Name,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = reference.Secret, Key = reference.Key } },
            });
        }

        container.Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(spec.CpuRequest),
                ["memory"] = new(spec.MemoryRequest),
            },
            Limits = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(spec.CpuLimit),
                ["memory"] = new(spec.MemoryLimit),
            },
        };
    }

    /// <summary>Sets a value escaped, so that the kubelet's $(VAR) expansion gives the container exactly <paramref name="value"/>.</summary>
    private static void SetEnv(V1Container container, string name, string value)
    {
        container.Env ??= [];
        var existing = container.Env.FirstOrDefault(e => e.Name == name);
        if (existing is null)
        {
            container.Env.Add(new V1EnvVar { Name = name, Value = EnvValues.Escape(value) });
        }
        else
        {
            existing.Value = EnvValues.Escape(value);
        }
    }
}
