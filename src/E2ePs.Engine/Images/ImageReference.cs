using System.Text.RegularExpressions;
using E2ePs.Contracts;
using E2ePs.Naming;

namespace E2ePs.Engine.Images;

/// <summary>Container image references: composing the default one of a job, and checking one given by the user.</summary>
public static partial class ImageReference
{
    /// <summary>Environment variable that names the registry when -Registry is not given.</summary>
    public const string RegistryVariable = "E2EPS_REGISTRY";

    /// <summary>
    /// The image of a job: <paramref name="image"/> when given, else the job's default image
    /// (<see cref="JobLayout.DefaultImage"/>) in <paramref name="registry"/>, which the caller takes from
    /// -Registry, E2EPS_REGISTRY or the default.
    /// </summary>
    public static string Compose(string name, string? image, string registry, string? tag)
    {
        if (!string.IsNullOrEmpty(image))
        {
            Validate(image);
            return image;
        }

        var composed = JobLayout.DefaultImage(registry, name, tag);
        Validate(composed);
        return composed;
    }

    /// <summary>Throws a clear error unless <paramref name="reference"/> is a valid image reference.</summary>
    public static void Validate(string reference)
    {
        if (!ReferencePattern().IsMatch(reference))
        {
            throw new E2eException("InvalidImageReference", E2eErrorCategory.InvalidArgument, reference,
                $"'{reference}' is not a valid image reference.")
            {
                RecommendedAction = "Use [registry[:port]/]path[:tag][@sha256:digest] in lower case, for example registry.example.com/team/test-api-e2e:1.0.",
            };
        }
    }

    /// <summary>The reference without its tag and digest: registry and repository path.</summary>
    public static string Repository(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var withoutDigest = at >= 0 ? reference[..at] : reference;
        var lastSlash = withoutDigest.LastIndexOf('/');
        var colon = withoutDigest.LastIndexOf(':');
        return colon > lastSlash ? withoutDigest[..colon] : withoutDigest;
    }

    // The distribution reference grammar, simplified: domain with optional port, lower-case path
    // components, optional tag, optional digest.
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
