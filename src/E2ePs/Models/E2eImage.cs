namespace E2ePs.Models;

/// <summary>
/// An image that Build-E2eImage built (and pushed) for a job. <see cref="Reference"/> is what the
/// cluster should run: by digest once pushed, so a Job never runs a stale image that shares a tag.
/// Name, JobName, Namespace, Path and Image are copied from the job so the object binds by property
/// name to the next cmdlet of the pipeline (Start-E2eJob).
/// </summary>
public sealed class E2eImage
{
    /// <summary>The reference to run: repository@sha256:... once pushed, else the most specific tag.</summary>
    public string Reference { get; set; } = "";

    /// <summary>Same as <see cref="Reference"/>; named like the -Image parameter of the cmdlets down the pipeline.</summary>
    public string Image => Reference;

    /// <summary>Short name of the job, for example <c>vllm-agent-tools</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Kubernetes name of the job: <c>test-&lt;name&gt;-e2e</c>.</summary>
    public string JobName { get; set; } = "";

    /// <summary>Namespace the job's manifest targets.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>Repository root: the build context.</summary>
    public string Path { get; set; } = "";

    /// <summary>Registry and repository path of the image, without tag or digest.</summary>
    public string Repository { get; set; } = "";

    /// <summary>Manifest digest in the registry (sha256:...), known once pushed; null otherwise.</summary>
    public string? Digest { get; set; }

    /// <summary>The image id in the engine's local store (sha256:... of the image config).</summary>
    public string ImageId { get; set; } = "";

    /// <summary>The engine that built the image: podman, docker or buildah.</summary>
    public string Engine { get; set; } = "";

    /// <summary>Every reference the image was tagged with.</summary>
    public IReadOnlyList<string> Tags { get; set; } = [];

    /// <summary>The content tag (content-&lt;hash&gt;) when -ContentTag was given; null otherwise.</summary>
    public string? ContentTag { get; set; }

    /// <summary>Whether the tags were pushed to the registry.</summary>
    public bool Pushed { get; set; }

    /// <summary>
    /// Whether the build was given -SkipTlsVerify: Start-E2eJob and Invoke-E2eTest then ask the
    /// registry about an image that was not pushed in the same way (plain HTTP or any certificate).
    /// </summary>
    public bool SkipTlsVerify { get; set; }

    /// <summary>Time from the start of the build to the end of the push.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>The job the image was built for.</summary>
    public E2eJob? Job { get; set; }

    /// <inheritdoc />
    public override string ToString() => Reference;
}
