using E2ePs.Contracts;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Images;

/// <summary>The container engines E2ePs drives, and how it finds one on PATH.</summary>
public static class ContainerEngines
{
    /// <summary>podman.</summary>
    public const string Podman = "podman";

    /// <summary>docker.</summary>
    public const string Docker = "docker";

    /// <summary>buildah.</summary>
    public const string Buildah = "buildah";

    /// <summary>The engines, in the order E2ePs looks for them.</summary>
    public static IReadOnlyList<string> SearchOrder { get; } = [Podman, Docker, Buildah];

    /// <summary>Environment variable that picks the engine when -Engine is not given.</summary>
    public const string EngineVariable = "E2EPS_BUILD_ENGINE";

    /// <summary>
    /// The engine to use and its full path: <paramref name="requested"/>, else E2EPS_BUILD_ENGINE, else
    /// the first of podman, docker, buildah found in <paramref name="searchPath"/> (the environment's PATH when null).
    /// </summary>
    public static (string Name, string Path) Resolve(string? requested, IReadOnlyList<string>? searchPath, IProcessEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (string.IsNullOrWhiteSpace(requested))
        {
            requested = environment.Variable(EngineVariable);
        }

        var folders = searchPath ?? environment.SearchPath;
        IReadOnlyList<string> candidates;
        if (string.IsNullOrWhiteSpace(requested))
        {
            candidates = SearchOrder;
        }
        else
        {
            var name = requested.Trim().ToLowerInvariant();
            if (!SearchOrder.Contains(name))
            {
                throw new E2eException("UnknownContainerEngine", E2eErrorCategory.InvalidArgument, requested,
                    $"'{requested}' is not a container engine E2ePs can drive.")
                {
                    RecommendedAction = $"Use -Engine {string.Join(", ", SearchOrder)} (or set {EngineVariable} to one of them).",
                };
            }

            candidates = [name];
        }

        foreach (var candidate in candidates)
        {
            var path = ExecutableLookup.Find(candidate, folders);
            if (path is not null)
            {
                return (candidate, path);
            }
        }

        throw new E2eException("ContainerEngineNotFound", E2eErrorCategory.NotInstalled, string.Join(", ", candidates),
            $"No container engine was found: looked for {string.Join(", ", candidates)} in {(folders.Count == 0 ? "an empty PATH" : string.Join(System.IO.Path.PathSeparator, folders))}.")
        {
            RecommendedAction = "Install one and make sure it is on PATH: on Debian or Ubuntu 'sudo apt-get install podman' (or buildah); "
                + "on Fedora 'sudo dnf install podman'; on Windows or macOS Podman Desktop or Docker Desktop. Then pick it with -Engine if several are installed.",
        };
    }
}
