using System.Text;

namespace E2ePs.Engine.Images;

/// <summary>
/// The command lines of each engine, with its real flags. Every list starts with the subcommand;
/// the engine-wide options (storage options) are put in front by the caller.
/// </summary>
public static class EngineCommands
{
    /// <summary>
    /// Builds without a tag, writing the image id to <paramref name="imageIdFile"/>: nothing is tagged
    /// until the build has succeeded.
    /// </summary>
    public static IReadOnlyList<string> Build(
        string engine,
        string contextPath,
        string dockerfilePath,
        string imageIdFile,
        bool skipTlsVerify,
        bool noCache,
        string? platform,
        IReadOnlyDictionary<string, string> buildArguments,
        IReadOnlyDictionary<string, string> labels,
        IReadOnlyList<string> extraOptions)
    {
        ArgumentNullException.ThrowIfNull(buildArguments);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(extraOptions);
        var arguments = new List<string> { engine == ContainerEngines.Buildah ? "bud" : "build", "-f", dockerfilePath, "--iidfile", imageIdFile };
        if (skipTlsVerify && engine != ContainerEngines.Docker)
        {
            // docker has no per-command switch: the daemon's insecure-registries setting decides.
            arguments.Add("--tls-verify=false");
        }

        if (noCache)
        {
            arguments.Add("--no-cache");
        }

        if (!string.IsNullOrEmpty(platform))
        {
            arguments.Add("--platform");
            arguments.Add(platform);
        }

        foreach (var (key, value) in buildArguments.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            arguments.Add("--build-arg");
            arguments.Add($"{key}={value}");
        }

        foreach (var (key, value) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            arguments.Add("--label");
            arguments.Add($"{key}={value}");
        }

        arguments.AddRange(extraOptions);
        arguments.Add(contextPath);
        return arguments;
    }

    /// <summary>Tags the built image.</summary>
    public static IReadOnlyList<string> Tag(string imageId, string reference) => ["tag", imageId, reference];

    /// <summary>Prints the id of the image a reference names (exit code non-zero when there is none).</summary>
    public static IReadOnlyList<string> ImageId(string engine, string reference) =>
        engine == ContainerEngines.Buildah
            ? ["inspect", "--type", "image", "--format", "{{.FromImageID}}", reference]
            : ["image", "inspect", "--format", "{{.Id}}", reference];

    /// <summary>
    /// Takes a name off an image: podman's untag keeps the image; buildah's and docker's rmi of a name
    /// delete the image only when that was its last name.
    /// </summary>
    public static IReadOnlyList<string> Untag(string engine, string imageId, string reference) =>
        engine == ContainerEngines.Podman ? ["untag", imageId, reference] : ["rmi", reference];

    /// <summary>
    /// Lists the working containers of builds as JSON: buildah's containers (id, builder), podman's
    /// external storage containers (Id, State "storage"). Docker has none: its daemon owns the build.
    /// </summary>
    public static IReadOnlyList<string>? ListWorkingContainers(string engine) => engine switch
    {
        ContainerEngines.Buildah => ["containers", "--json"],
        ContainerEngines.Podman => ["ps", "--all", "--external", "--format", "json"],
        _ => null,
    };

    /// <summary>Removes working containers.</summary>
    public static IReadOnlyList<string> RemoveContainers(string engine, IEnumerable<string> ids) =>
        engine == ContainerEngines.Podman ? ["rm", "--force", .. ids] : ["rm", .. ids];

    /// <summary>
    /// The ids of the working containers in the output of <see cref="ListWorkingContainers"/>: buildah's
    /// builder containers, podman's external ones (a container podman runs itself is not a build's).
    /// </summary>
    public static IReadOnlyList<string> ParseWorkingContainers(string engine, string json)
    {
        var ids = new List<string>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return ids;
        }

        using var document = System.Text.Json.JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            return ids; // buildah writes null when there is none.
        }

        foreach (var container in document.RootElement.EnumerateArray())
        {
            var working = engine == ContainerEngines.Podman
                ? container.TryGetProperty("State", out var state) && string.Equals(state.GetString(), "storage", StringComparison.OrdinalIgnoreCase)
                : !container.TryGetProperty("builder", out var builder) || builder.ValueKind == System.Text.Json.JsonValueKind.True;
            if (working && (container.TryGetProperty(engine == ContainerEngines.Podman ? "Id" : "id", out var id)) && id.GetString() is { Length: > 0 } text)
            {
                ids.Add(text);
            }
        }

        return ids;
    }

    /// <summary>Pushes one reference; podman and buildah write the pushed manifest's digest to <paramref name="digestFile"/>.</summary>
    public static IReadOnlyList<string> Push(string engine, string reference, string digestFile, bool skipTlsVerify)
    {
        if (engine == ContainerEngines.Docker)
        {
            return ["push", reference];
        }

        var arguments = new List<string> { "push" };
        if (skipTlsVerify)
        {
            arguments.Add("--tls-verify=false");
        }

        arguments.Add("--digestfile");
        arguments.Add(digestFile);
        arguments.Add(reference);
        return arguments;
    }

    /// <summary>docker only: the repository digests of a pushed image, one a line.</summary>
    public static IReadOnlyList<string> InspectRepoDigests(string reference) =>
        ["image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", reference];

    /// <summary>The command as a person would type it in a POSIX shell.</summary>
    public static string Display(string engine, IEnumerable<string> arguments)
    {
        var text = new StringBuilder(engine);
        foreach (var argument in arguments)
        {
            text.Append(' ').Append(Quote(argument));
        }

        return text.ToString();
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Splits an option string from an environment variable (E2EPS_ENGINE_ARGS, E2EPS_BUILD_ARGS) into
    /// arguments: white space separates, single or double quotes group.
    /// </summary>
    public static IReadOnlyList<string> SplitOptions(string? value)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return result;
        }

        var current = new StringBuilder();
        var inToken = false;
        char quote = '\0';
        foreach (var c in value)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else
            {
                current.Append(c);
                inToken = true;
            }
        }

        if (inToken)
        {
            result.Add(current.ToString());
        }

        return result;
    }
}
