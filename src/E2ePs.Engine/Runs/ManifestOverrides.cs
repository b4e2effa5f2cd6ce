using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Manifests;
using E2ePs.Validation;
using k8s.Models;

namespace E2ePs.Engine.Runs;

/// <summary>What Start-E2eJob changes on a manifest before applying it: namespace, run id, image, branch, environment.</summary>
public static class ManifestOverrides
{
    /// <summary>Sets the values on the typed objects; the manifest file itself is never changed.</summary>
    public static void Apply(JobManifest manifest, string ns, string runId, string? image, string? branch, IReadOnlyList<KeyValuePair<string, string>>? env)
    {
        ArgumentNullException.ThrowIfNull(manifest);

        // The rules New-E2eJob applies (E2EPS_TEST_PATH and E2EPS_JOB are E2ePs's own), checked before anything is set.
        ValueRules.Branch(string.IsNullOrEmpty(branch) ? null : branch);
        ValueRules.Env(env);
        foreach (var document in manifest.Documents)
        {
            document.Metadata.NamespaceProperty = ns;
        }

        foreach (var subject in manifest.RoleBinding.Subjects ?? [])
        {
            if (subject.Kind == "ServiceAccount")
            {
                subject.NamespaceProperty = ns;
            }
        }

        var job = manifest.Job;
        job.Metadata.Labels ??= new Dictionary<string, string>();
        job.Metadata.Labels[JobLabels.RunId] = runId;
        job.Metadata.ResourceVersion = null;
        job.Metadata.Uid = null;
        job.Status = null;
        job.Spec.Template.Metadata ??= new V1ObjectMeta();
        job.Spec.Template.Metadata.Labels ??= new Dictionary<string, string>();
        job.Spec.Template.Metadata.Labels[JobLabels.RunId] = runId;

        var container = manifest.TestContainer;
        if (!string.IsNullOrEmpty(image))
        {
            ImageReference.Validate(image);
            container.Image = image;
        }

        if (!string.IsNullOrEmpty(branch))
        {
            var clone = manifest.CloneContainer ?? throw new E2eException("NoCloneContainer", E2eErrorCategory.InvalidArgument, branch,
                $"-Branch needs the '{JobLabels.CloneContainer}' init container, and the Job '{job.Metadata.Name}' has none.");
            SetEnv(clone, "GIT_BRANCH", branch);
        }

        foreach (var (name, value) in env ?? [])
        {
            SetEnv(container, name, value);
        }
    }

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
            existing.ValueFrom = null;
        }
    }
}
