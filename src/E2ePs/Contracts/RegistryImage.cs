namespace E2ePs.Contracts;

/// <summary>What a registry serves for one tag: the manifest's digest and the image id (config digest) it names.</summary>
public sealed class RegistryImage
{
    /// <summary>The reference asked about (registry/path:tag).</summary>
    public string Reference { get; init; } = "";

    /// <summary>The digest of the manifest the registry serves for the tag (Docker-Content-Digest); null when unknown.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>The config digest of that manifest, which is the image id; null for a list or index, or when unknown.</summary>
    public string? ConfigDigest { get; init; }

    /// <summary>Why the registry could not tell (no such tag, unreachable, refused); null when it answered.</summary>
    public string? Problem { get; init; }
}
