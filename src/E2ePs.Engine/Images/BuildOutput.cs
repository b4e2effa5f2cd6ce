using System.Globalization;
using System.Text.RegularExpressions;
using E2ePs.Contracts;

namespace E2ePs.Engine.Images;

/// <summary>Reads the engines' output: build steps, pushed digests, and why a push failed.</summary>
public static partial class BuildOutput
{
    /// <summary>
    /// The step a line starts: "STEP 3/7: ..." (podman, buildah; "[1/2] STEP 3/7: ..." in multi-stage
    /// builds), "Step 3/7 : ..." (docker's classic builder), "#5 [3/7] ..." or "#5 [stage 3/7] ..." (BuildKit).
    /// </summary>
    public static bool TryParseStep(string line, out int step, out int count)
    {
        ArgumentNullException.ThrowIfNull(line);
        var match = StepPattern().Match(line);
        if (!match.Success)
        {
            step = count = 0;
            return false;
        }

        step = int.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture);
        count = int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
        return step > 0 && count >= step;
    }

    /// <summary>The digest in docker push's last line: "latest: digest: sha256:... size: 1234".</summary>
    public static string? FindPushedDigest(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        string? digest = null;
        foreach (var line in lines)
        {
            var match = PushDigestPattern().Match(line);
            if (match.Success)
            {
                digest = match.Groups["digest"].Value;
            }
        }

        return digest;
    }

    /// <summary>Whether <paramref name="value"/> is a sha256 digest.</summary>
    public static bool IsDigest(string? value) => value is not null && DigestPattern().IsMatch(value);

    /// <summary>Turns a failed push into an error that says what went wrong and what to do.</summary>
    public static E2eException PushError(string engine, string reference, int exitCode, IReadOnlyList<string> tail)
    {
        ArgumentNullException.ThrowIfNull(tail);
        var output = string.Join('\n', tail);
        var registry = reference.Contains('/', StringComparison.Ordinal) ? reference[..reference.IndexOf('/', StringComparison.Ordinal)] : "docker.io";
        string id;
        E2eErrorCategory category;
        string action;
        // Connection problems first: a port such as 127.0.0.1:40123 must not read as an HTTP 401.
        if (Matches(output, "no such host", "connection refused", "i/o timeout", "network is unreachable", "dial tcp", "timeout"))
        {
            id = "RegistryUnreachable";
            category = E2eErrorCategory.ConnectionError;
            action = $"Check that the registry {registry} is running and reachable from this machine, and that the image reference names it correctly.";
        }
        else if (Matches(output, "server gave http response to https client", "x509", "certificate", "tls: "))
        {
            id = "ImagePushTlsFailed";
            category = E2eErrorCategory.SecurityError;
            action = engine == ContainerEngines.Docker
                ? $"For a local registry over plain HTTP, add {registry} to insecure-registries in the docker daemon's configuration; otherwise trust the registry's certificate."
                : "For a local registry over plain HTTP or with a self-signed certificate, add -SkipTlsVerify; otherwise trust the registry's certificate.";
        }
        else if (Matches(output, "unauthorized", "authentication required", "denied", "401 unauthorized", "403 forbidden", "status 401", "status 403", "no basic auth credentials"))
        {
            id = "ImagePushUnauthorized";
            category = E2eErrorCategory.AuthenticationError;
            action = $"Log in with the engine's own login ('{engine} login {registry}'), or check that your account may push to this repository. E2ePs never takes a password itself.";
        }
        else
        {
            id = "ImagePushFailed";
            category = E2eErrorCategory.WriteError;
            action = $"Read the engine's output above; run the push by hand with '{engine} push {reference}' to see more.";
        }

        return new E2eException(id, category, reference,
            $"Pushing '{reference}' with {engine} failed with exit code {exitCode}.{Tail(tail)}")
        {
            RecommendedAction = action,
        };
    }

    /// <summary>The last lines of an engine's output, for an error message.</summary>
    public static string Tail(IReadOnlyList<string> tail)
    {
        ArgumentNullException.ThrowIfNull(tail);
        return tail.Count == 0 ? "" : "\nLast lines of its output:\n  " + string.Join("\n  ", tail);
    }

    private static bool Matches(string output, params string[] needles) =>
        needles.Any(n => output.Contains(n, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"^(?:\[\d+/\d+\]\s+)?(?:STEP|Step)\s+(?<step>\d+)/(?<count>\d+)\s*:|^#\d+\s+\[(?:[^\]\s]+\s+)?(?<step>\d+)/(?<count>\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"digest:\s*(?<digest>sha256:[a-f0-9]{64})", RegexOptions.CultureInvariant)]
    private static partial Regex PushDigestPattern();

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();
}
