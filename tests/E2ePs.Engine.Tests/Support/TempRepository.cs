using System.Diagnostics;

namespace E2ePs.Engine.Tests.Support;

/// <summary>A throw-away git repository with an origin remote, deleted when disposed.</summary>
public sealed class TempRepository : IDisposable
{
    public TempRepository(string? origin = "https://github.com/example/shop.git", string branch = "feature/e2e")
    {
        Root = Path.Combine(Path.GetTempPath(), "e2eps-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Git("init", "-q", "-b", branch);
        if (origin is not null)
        {
            Git("remote", "add", "origin", origin);
        }
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
        }
    }
}
