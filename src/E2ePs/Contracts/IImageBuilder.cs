namespace E2ePs.Contracts;

/// <summary>Builds a job's image with podman, docker or buildah, tags it and pushes it.</summary>
public interface IImageBuilder
{
    /// <summary>
    /// Validates the request and works out the engine, tags, content tag and command lines. Runs no
    /// engine command, so -WhatIf can show what would happen. Throws <see cref="E2eException"/> for
    /// bad input: no engine on PATH, no Dockerfile, an invalid tag.
    /// </summary>
    ImageBuildPlan Plan(ImageBuildRequest request);

    /// <summary>
    /// Starts the build in the background. The engine's output arrives on
    /// <see cref="ImageBuildOperation.Events"/> as it is written; the result, or the failure as an
    /// <see cref="E2eException"/>, on <see cref="ImageBuildOperation.Completion"/>. Cancelling
    /// <paramref name="cancellationToken"/> kills the engine's process tree.
    /// </summary>
    ImageBuildOperation Start(ImageBuildPlan plan, CancellationToken cancellationToken);

    /// <summary>The content tag of a job's image: a hash of the Dockerfile and of the files it copies.</summary>
    string ComputeContentTag(string contextPath, string dockerfilePath, IReadOnlyDictionary<string, string>? buildArguments);

    /// <summary>
    /// Asks the registry of <paramref name="reference"/> (registry/path:tag) over its HTTP API which
    /// manifest the tag names. Never throws for the registry's answer: a failure is in
    /// <see cref="RegistryImage.Problem"/>.
    /// </summary>
    Task<RegistryImage> InspectRegistryAsync(string reference, bool skipTlsVerify, CancellationToken cancellationToken);
}
