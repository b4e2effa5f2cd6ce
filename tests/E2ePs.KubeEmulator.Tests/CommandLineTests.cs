using System.Diagnostics;
using E2ePs.TestSupport;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>The emulator as a process: facts on stdout, "ready", and a clean stop when stdin closes.</summary>
public sealed class CommandLineTests
{
    [RequiresToolsFact("kubectl")]
    public async Task PrintsFactsThenReadyAndStopsWhenStdinCloses()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "E2ePs.KubeEmulator.dll");
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"emulator-cli-{Guid.NewGuid():N}", "kubeconfig");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--kubeconfig", kubeconfig, "--port", "0", "--node-cpu", "4", "--node-memory", "8Gi", "--fault-latency-ms", "1" })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var facts = new Dictionary<string, string>();
        // Each step has its own bound, generous because it only catches a hang: on a loaded 2-core machine
        // starting a .NET process, then stopping it, each once took most of a single 30 s bound for both.
        using var started = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await process.StandardOutput.ReadLineAsync(started.Token) is { } line && line != "ready")
        {
            var i = line.IndexOf(": ", StringComparison.Ordinal);
            facts[line[..i]] = line[(i + 2)..];
        }

        Assert.Equal(kubeconfig, facts["kubeconfig"]);
        Assert.Matches(@"^https://127\.0\.0\.1:\d+$", facts["server"]);
        var kubeconfigText = await File.ReadAllTextAsync(kubeconfig);
        Assert.Contains("certificate-authority-data:", kubeconfigText, StringComparison.Ordinal);
        Assert.Contains("current-context: emulator", kubeconfigText, StringComparison.Ordinal);

        RequiredTools.Ensure("kubectl");
        var psiKubectl = new ProcessStartInfo("kubectl", ["get", "nodes", "-o", "jsonpath={.items[0].status.allocatable.memory}", "--kubeconfig", kubeconfig]) { RedirectStandardOutput = true };
        using (var kubectl = Process.Start(psiKubectl)!)
        {
            Assert.Equal("8Gi", await kubectl.StandardOutput.ReadToEndAsync());
            await kubectl.WaitForExitAsync();
        }

        process.StandardInput.Close();
        using var stopped = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(stopped.Token);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task AnUnknownRuntimeIsRefusedWithTheUsage()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "E2ePs.KubeEmulator.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "--runtime", "podman"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--runtime must be simulated or buildah, not podman", stderr, StringComparison.Ordinal);
        Assert.Contains("[--runtime simulated|buildah]", stderr, StringComparison.Ordinal);
    }
}
