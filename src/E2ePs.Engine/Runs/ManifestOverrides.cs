using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Manifests;
using E2ePs.Validation;
using k8s.Models;

namespace E2ePs.Engine.Runs;

/// <summary>
/// What Start-E2eJob changes on a manifest before applying it: namespace, run id, image, branch,
/// environment; and what it clears, the fields only the API server sets (a manifest saved with
/// 'kubectl get -o yaml' carries them). Pure: it changes the typed objects it is given and nothing else,
/// and every value is checked before the first change (tests/E2ePs.Engine.Tests/Overrides).
/// </summary>
public static class ManifestOverrides
{
    /// <summary>Sets the values on the typed objects; the manifest file itself is never changed.</summary>
    public static void Apply(JobManifest manifest, string ns, string runId, string? image, string? branch, IReadOnlyList<KeyValuePair<string, string>>? env)
    {
        ArgumentNullException.ThrowIfNull(manifest);

        // The rules New-E2eJob applies (E2EPS_TEST_PATH and E2EPS_JOB are E2ePs's own), checked before anything is set:
        // a refused override leaves the manifest as it was.
        ValueRules.Branch(string.IsNullOrEmpty(branch) ? null : branch);
        ValueRules.Env(env);
        if (!string.IsNullOrEmpty(image))
        {
            ImageReference.Validate(image);
        }

        var clone = manifest.CloneContainer;
        if (!string.IsNullOrEmpty(branch) && clone is null)
        {
            throw new E2eException("NoCloneContainer", E2eErrorCategory.InvalidArgument, branch,
                $"-Branch needs the '{JobLabels.CloneContainer}' init container, and the Job '{manifest.Job.Metadata.Name}' has none.");
        }

        foreach (var document in manifest.Documents)
        {
            document.Metadata.NamespaceProperty = ns;

            // Fields only the server sets: a stale resourceVersion makes server-side apply fail with 409, and
            // an apply request with managedFields is refused with 400 "metadata.managedFields must be nil"
            // (kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/structuredmerge.go).
            document.Metadata.ResourceVersion = null;
            document.Metadata.Uid = null;
            document.Metadata.ManagedFields = null;
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
        job.Status = null;
        job.Spec.Template.Metadata ??= new V1ObjectMeta();
        job.Spec.Template.Metadata.Labels ??= new Dictionary<string, string>();
        job.Spec.Template.Metadata.Labels[JobLabels.RunId] = runId;

        var container = manifest.TestContainer;
        if (!string.IsNullOrEmpty(image))
        {
            container.Image = image;
        }

        if (!string.IsNullOrEmpty(branch))
        {
            SetEnv(clone!, "GIT_BRANCH", branch);
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
