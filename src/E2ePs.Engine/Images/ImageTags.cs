using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Images;

/// <summary>Which references a build tags: the job's image, or the tags the request gives, in the job's repository or their own.</summary>
internal static class ImageTags
{
    /// <summary>
    /// The repository and the full references to tag: a bare tag (1.0) goes into the job's repository,
    /// a reference with a registry or repository (reg/x:2) stays as it is; no tag at all is the job's image.
    /// </summary>
    public static (string Repository, List<string> Tags) Resolve(E2eJob job, IReadOnlyList<string> requested)
    {
        string? repository = string.IsNullOrEmpty(job.Image) ? null : ImageReference.Repository(job.Image);
        var tags = new List<string>();
        foreach (var tag in requested.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()))
        {
            if (tag.Contains('/', StringComparison.Ordinal) || tag.Contains(':', StringComparison.Ordinal) || tag.Contains('@', StringComparison.Ordinal))
            {
                Add(tags, WithTag(tag));
                repository ??= ImageReference.Repository(tag);
            }
            else
            {
                Add(tags, $"{repository ?? throw NoRepository(job, tag)}:{tag}");
            }
        }

        if (tags.Count == 0)
        {
            Add(tags, WithTag(string.IsNullOrEmpty(job.Image) ? throw NoRepository(job, job.JobName) : job.Image));
        }

        return (repository ?? ImageReference.Repository(tags[0]), tags);
    }

    private static void Add(List<string> tags, string reference)
    {
        ImageReference.Validate(reference);
        if (reference.Contains('@', StringComparison.Ordinal))
        {
            throw new E2eException("InvalidImageTag", E2eErrorCategory.InvalidArgument, reference,
                $"'{reference}' names a digest; an image can only be tagged with a tag.")
            {
                RecommendedAction = "Pass a tag such as 1.0, or a reference such as registry.example.com/team/test-api-e2e:1.0.",
            };
        }

        if (!tags.Contains(reference))
        {
            tags.Add(reference);
        }
    }

    // A reference without a tag means :latest, as every engine reads it; a digest is dropped.
    private static string WithTag(string reference)
    {
        var withoutDigest = reference.Contains('@', StringComparison.Ordinal) ? reference[..reference.IndexOf('@', StringComparison.Ordinal)] : reference;
        return ImageReference.Repository(withoutDigest) == withoutDigest ? withoutDigest + ":latest" : withoutDigest;
    }

    private static E2eException NoRepository(E2eJob job, string target) =>
        new("NoImageReference", E2eErrorCategory.InvalidArgument, target,
            $"Job '{job.JobName}' names no image, so there is no repository to tag.")
        {
            RecommendedAction = "Pass a full reference with -Tag, for example -Tag registry.example.com/team/test-api-e2e:1.0, or set the image with New-E2eJob -Image.",
        };
}
