using E2ePs.Contracts;
using E2ePs.Engine.Manifests;
using E2ePs.Naming;
using E2ePs.Validation;

namespace E2ePs.Engine.Catalog;

/// <summary>Get-E2eJob's engine: finds the manifests of <see cref="JobLayout"/> (deploy/k8s/99-test-*-e2e.yaml) and reads each back.</summary>
public sealed class JobCatalog : IJobCatalog
{
    /// <inheritdoc />
    public IEnumerable<JobReadResult> Find(string repositoryRoot, IReadOnlyList<string> namePatterns)
    {
        ArgumentNullException.ThrowIfNull(namePatterns);
        var root = Path.GetFullPath(repositoryRoot);
        var folder = Path.Combine(root, JobLayout.ManifestFolder);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        // PowerShell's wildcard semantics ('[1-3]' included), the rule every cmdlet's -Name follows.
        var matchers = namePatterns.Select(ValueRules.NameMatcher).ToList();
        foreach (var file in Directory.EnumerateFiles(folder, JobLayout.ManifestSearchPattern).Order(StringComparer.Ordinal))
        {
            var name = JobLayout.ShortNameOfManifest(file);
            if (name is null || (matchers.Count > 0 && !matchers.Any(m => m(name))))
            {
                continue;
            }

            yield return Read(file, root);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListNames(string repositoryRoot)
    {
        var folder = Path.Combine(repositoryRoot, JobLayout.ManifestFolder);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, JobLayout.ManifestSearchPattern)
                .Select(JobLayout.ShortNameOfManifest)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
    }

    /// <inheritdoc />
    public JobReadResult Read(string manifestPath, string repositoryRoot)
    {
        try
        {
            var manifest = JobManifest.Load(manifestPath);
            return JobReadResult.Success(JobFactory.FromManifest(manifest, Path.GetFullPath(repositoryRoot), manifestPath));
        }
        catch (E2eException error)
        {
            return JobReadResult.Failure(error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return JobReadResult.Failure(new E2eException("ManifestUnreadable", E2eErrorCategory.ReadError, manifestPath,
                $"The manifest '{manifestPath}' could not be read: {error.Message}", error));
        }
        catch (NullReferenceException error)
        {
            // A document without the fields every E2ePs manifest has (spec, template, containers).
            return JobReadResult.Failure(new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, manifestPath,
                $"The manifest '{manifestPath}' lacks a field every E2ePs job has (a Job spec with a pod template and a container).", error)
            {
                RecommendedAction = "Scaffold the job again with New-E2eJob -Force, or compare it with a freshly scaffolded one.",
            });
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListContainers(string manifestPath)
    {
        try
        {
            var pod = JobManifest.Parse(File.ReadAllText(manifestPath), manifestPath).Job.Spec?.Template?.Spec;
            return [.. (pod?.InitContainers ?? []).Select(c => c.Name), .. (pod?.Containers ?? []).Select(c => c.Name)];
        }
        catch (Exception error) when (error is E2eException or IOException or UnauthorizedAccessException or NullReferenceException)
        {
            return [];
        }
    }
}
