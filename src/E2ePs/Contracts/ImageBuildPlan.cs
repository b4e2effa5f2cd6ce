using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>What Build-E2eImage will do for one job: which engine, which tags, which commands.</summary>
public sealed class ImageBuildPlan
{
    /// <summary>The request the plan was made from.</summary>
    public ImageBuildRequest Request { get; init; } = new();

    /// <summary>The job.</summary>
    public E2eJob Job => Request.Job;

    /// <summary>Engine name: podman, docker or buildah.</summary>
    public string Engine { get; init; } = "";

    /// <summary>Full path of the engine's executable.</summary>
    public string EnginePath { get; init; } = "";

    /// <summary>Build context (the repository root).</summary>
    public string ContextPath { get; init; } = "";

    /// <summary>Full path of the Dockerfile.</summary>
    public string DockerfilePath { get; init; } = "";

    /// <summary>Repository of the image (registry/path), without tag.</summary>
    public string Repository { get; init; } = "";

    /// <summary>Every full reference the image will be tagged with; the first is the main one.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The content tag, when asked for.</summary>
    public string? ContentTag { get; init; }

    /// <summary>Options placed before every subcommand.</summary>
    public IReadOnlyList<string> EngineArguments { get; init; } = [];

    /// <summary>The arguments of the build command (after the engine's name), for display and -WhatIf.</summary>
    public IReadOnlyList<string> BuildArguments { get; init; } = [];

    /// <summary>The build command as a person would type it.</summary>
    public string BuildCommandLine { get; init; } = "";
}
