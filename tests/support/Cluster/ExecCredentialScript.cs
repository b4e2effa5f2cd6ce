using System.Globalization;

namespace E2ePs.Tests.Support;

/// <summary>
/// An exec credential plugin for tests: a bash script that prints an ExecCredential
/// (client.authentication.k8s.io/v1) with the token of its run (run N prints the N-th token given, the
/// last one once they run out) and an expirationTimestamp, and counts its runs in a file beside it. The
/// tokens are the emulator's (<c>EmulatorServer.AddToken</c>), so the test decides when the server stops
/// accepting one (<c>ExpireToken</c>) independently of what the plugin claimed.
/// </summary>
public sealed class ExecCredentialScript
{
    private readonly string _folder;

    /// <summary>Writes the script into a new folder under <paramref name="parent"/>.</summary>
    public ExecCredentialScript(string parent, IEnumerable<string> tokens, DateTimeOffset expires)
    {
        _folder = System.IO.Path.Combine(parent, "exec-plugin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_folder);
        File.WriteAllLines(System.IO.Path.Combine(_folder, "tokens"), tokens);
        File.WriteAllText(System.IO.Path.Combine(_folder, "runs"), "");
        Path = System.IO.Path.Combine(_folder, "get-token.sh");
        var stamp = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        File.WriteAllText(Path,
            "#!/bin/bash\n" +
            "dir=$(dirname \"$0\")\n" +
            "echo run >> \"$dir/runs\"\n" +
            "n=$(wc -l < \"$dir/runs\")\n" +
            "token=$(sed -n \"${n}p\" \"$dir/tokens\")\n" +
            "[ -n \"$token\" ] || token=$(tail -n 1 \"$dir/tokens\")\n" +
            $"printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\",\"expirationTimestamp\":\"{stamp}\"}}}}' \"$token\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The script to name as the kubeconfig user's exec command.</summary>
    public string Path { get; }

    /// <summary>How often the plugin has run.</summary>
    public int Runs => File.ReadAllLines(System.IO.Path.Combine(_folder, "runs")).Length;
}
