using System.Diagnostics;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>The result of one buildah command.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;

    /// <summary>buildah's last error line ("Error: ..."), or the whole error text.</summary>
    public string Message => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {ExitCode}";
}

/// <summary>
/// Runs buildah against the emulator's store (--storage-driver, --root, --runroot) with the configured
/// registries.conf, so the image store and registry mirrors are the emulator's own, never the machine's by accident.
/// </summary>
internal sealed class BuildahCli(EmulatorOptions options)
{
    public string Program { get; } = "buildah";

    public IReadOnlyList<string> GlobalArguments { get; } =
    [
        "--storage-driver", options.StorageDriver,
        .. options.StorageRoot is null ? Array.Empty<string>() : ["--root", options.StorageRoot],
        .. options.StorageRunRoot is null ? Array.Empty<string>() : ["--runroot", options.StorageRunRoot],
    ];

    /// <summary>A start info for a buildah command; the caller redirects what it reads.</summary>
    public ProcessStartInfo StartInfo(string fileName, IEnumerable<string> prefix, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in prefix.Concat(GlobalArguments).Concat(arguments))
        {
            start.ArgumentList.Add(a);
        }

        if (options.RegistriesConf is not null)
        {
            start.Environment["CONTAINERS_REGISTRIES_CONF"] = options.RegistriesConf;
        }

        return start;
    }

    public async Task<CliResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Process.Start(StartInfo(Program, [], arguments)) ?? throw new InvalidOperationException("buildah did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
