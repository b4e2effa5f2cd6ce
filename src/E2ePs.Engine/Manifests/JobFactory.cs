using E2ePs.Models;

namespace E2ePs.Engine.Manifests;

/// <summary>Reads an <see cref="E2eJob"/> back from the typed objects of its manifest.</summary>
public static class JobFactory
{
    /// <summary>Maps a manifest to the job it defines; <paramref name="repositoryRoot"/> anchors the file paths.</summary>
    public static E2eJob FromManifest(JobManifest manifest, string repositoryRoot, string manifestPath)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var job = manifest.Job;
        var kubernetesName = job.Metadata.Name;
        var name = JobNames.ShortName(kubernetesName) ?? kubernetesName;
        var annotations = job.Metadata.Annotations ?? new Dictionary<string, string>();
        var container = manifest.TestContainer;
        var containerEnv = (container.Env ?? []).Where(e => e.Value is not null).ToList();
        var cloneEnv = manifest.CloneContainer?.Env ?? [];
        var jobDirectory = Path.Combine(repositoryRoot, JobNames.JobDirectory(name));
        annotations.TryGetValue(JobLabels.RunnerAnnotation, out var runner);
        annotations.TryGetValue(JobLabels.TemplateAnnotation, out var template);
        annotations.TryGetValue(JobLabels.TestPathAnnotation, out var testPath);

        return new E2eJob
        {
            Name = name,
            JobName = kubernetesName,
            Namespace = job.Metadata.NamespaceProperty ?? "",
            Image = container.Image ?? "",
            TestPath = testPath ?? EnvValues.Unescape(containerEnv.FirstOrDefault(e => e.Name == JobLabels.TestPathVariable)?.Value),
            Template = template ?? "",
            Path = repositoryRoot,
            DockerfilePath = Path.GetFullPath(Path.Combine(jobDirectory, "Dockerfile")),
            RunnerPath = string.IsNullOrEmpty(runner) ? "" : Path.GetFullPath(Path.Combine(jobDirectory, runner)),
            ManifestPath = Path.GetFullPath(manifestPath),
            Repository = EnvValues.Unescape(cloneEnv.FirstOrDefault(e => e.Name == "GIT_REPOSITORY")?.Value),
            Branch = EnvValues.Unescape(cloneEnv.FirstOrDefault(e => e.Name == "GIT_BRANCH")?.Value),
            ServiceAccountName = job.Spec.Template.Spec.ServiceAccountName ?? "",
            GitCredentialSecret = job.Spec.Template.Spec.Volumes?.FirstOrDefault(v => v.Name == JobLabels.GitCredentialsVolume)?.Secret?.SecretName,
            Env = containerEnv
                .Where(e => !e.Name.StartsWith(JobLabels.ReservedVariablePrefix, StringComparison.Ordinal))
                .GroupBy(e => e.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => EnvValues.Unescape(g.Last().Value), StringComparer.Ordinal),
            SecretEnv = (container.Env ?? [])
                .Where(e => e.Value is null && e.ValueFrom?.SecretKeyRef is { Name: not null, Key: not null })
                .GroupBy(e => e.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => $"{g.Last().ValueFrom.SecretKeyRef.Name}/{g.Last().ValueFrom.SecretKeyRef.Key}", StringComparer.Ordinal),
        };
    }
}
