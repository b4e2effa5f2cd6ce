using System.Diagnostics;

namespace E2ePs.TestSupport;

/// <summary>The exit code and output of a command.</summary>
public sealed record ToolResult(string Command, int ExitCode, string Output, string Error)
{
    /// <summary>Throws unless the command succeeded.</summary>
    public ToolResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"'{Command}' failed with exit code {ExitCode}:\n{Output}\n{Error}");
}

/// <summary>Small helpers to find and run command-line tools in tests.</summary>
public static class Tools
{
    /// <summary>Full path of a program (its override variable, else PATH; see RequiredTools), or null.</summary>
    public static string? Find(string name) => RequiredTools.Find(name, Environment.GetEnvironmentVariable);

    /// <summary>Runs a program to the end and returns its exit code and output.</summary>
    public static ToolResult Run(string fileName, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        return new ToolResult($"{fileName} {string.Join(' ', arguments)}", process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>Deletes a folder tree, including read-only files that image layers contain; ignores what cannot be deleted.</summary>
    public static void DeleteFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Run("rm", ["-rf", folder]);
        }
    }
}
