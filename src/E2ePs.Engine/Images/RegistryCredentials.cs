using System.Text.Json;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Images;

/// <summary>
/// The registry credentials the engines' own login left in their auth files, found through the process
/// environment (home folder, XDG_RUNTIME_DIR, DOCKER_CONFIG, REGISTRY_AUTH_FILE). Credential helpers are not run.
/// </summary>
internal sealed class RegistryCredentials(IProcessEnvironment environment)
{
    /// <summary>
    /// The base64 user:password of the first auth file that has the host, in the order podman reads them
    /// (REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, docker's
    /// config.json), or null.
    /// </summary>
    public string? Find(string host)
    {
        var home = environment.HomeFolder;
        var runtime = environment.Variable("XDG_RUNTIME_DIR");
        var docker = environment.Variable("DOCKER_CONFIG") ?? Path.Combine(home, ".docker");
        string?[] files =
        [
            environment.Variable("REGISTRY_AUTH_FILE"),
            string.IsNullOrEmpty(runtime) ? null : Path.Combine(runtime, "containers", "auth.json"),
            Path.Combine(home, ".config", "containers", "auth.json"),
            Path.Combine(docker, "config.json"),
        ];
        string[] keys = host == "docker.io" ? ["docker.io", "https://index.docker.io/v1/", "index.docker.io"] : [host, "https://" + host, "http://" + host];
        foreach (var file in files.Where(f => !string.IsNullOrEmpty(f) && File.Exists(f)))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file!));
                if (!document.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var key in keys)
                {
                    if (auths.TryGetProperty(key, out var entry) && entry.TryGetProperty("auth", out var auth) && !string.IsNullOrEmpty(auth.GetString()))
                    {
                        return auth.GetString();
                    }
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
            {
                // An unreadable auth file is skipped, as the registry is then asked without it.
            }
        }

        return null;
    }
}
