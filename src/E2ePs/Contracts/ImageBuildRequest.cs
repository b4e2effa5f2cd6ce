using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>The inputs of Build-E2eImage for one job, resolved to plain values by the cmdlet.</summary>
public sealed class ImageBuildRequest
{
    /// <summary>The job: its Path is the build context, its DockerfilePath the Dockerfile, its Image the default tag.</summary>
    public E2eJob Job { get; set; } = new();

    /// <summary>podman, docker or buildah; null picks E2EPS_BUILD_ENGINE, else the first of them on PATH.</summary>
    public string? Engine { get; set; }

    /// <summary>Folders to look for the engine in; null means PATH.</summary>
    public IReadOnlyList<string>? SearchPath { get; set; }

    /// <summary>Tags or full references; a bare tag applies to the job's repository. Empty means the job's image.</summary>
    public IReadOnlyList<string> Tags { get; set; } = [];

    /// <summary>Also tag the image content-&lt;hash&gt; (hash of the Dockerfile and the files it copies).</summary>
    public bool ContentTag { get; set; }

    /// <summary>Push every tag and record the digest the registry serves.</summary>
    public bool Push { get; set; }

    /// <summary>Talk to the registry over plain HTTP or without verifying its certificate (podman, buildah).</summary>
    public bool SkipTlsVerify { get; set; }

    /// <summary>Build arguments (--build-arg).</summary>
    public IReadOnlyDictionary<string, string> BuildArguments { get; set; } = new Dictionary<string, string>();

    /// <summary>Labels of the image (--label).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();

    /// <summary>Build without the layer cache.</summary>
    public bool NoCache { get; set; }

    /// <summary>Target platform, for example linux/arm64.</summary>
    public string? Platform { get; set; }

    /// <summary>Options placed before the subcommand of every engine command (storage options); null reads E2EPS_ENGINE_ARGS.</summary>
    public IReadOnlyList<string>? EngineArguments { get; set; }

    /// <summary>Extra options of the build command only; null reads E2EPS_BUILD_ARGS.</summary>
    public IReadOnlyList<string>? BuildOptions { get; set; }
}
