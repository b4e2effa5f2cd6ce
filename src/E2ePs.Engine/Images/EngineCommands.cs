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
