using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>Image existence checked against an OCI registry (a fake one here) when --registry is set.</summary>
public sealed class RegistryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task ImagesOnTheConfiguredRegistryAreLookedUpByManifest()
    {
        var port = FreePort();
        using var registry = new HttpListener();
        registry.Prefixes.Add($"http://127.0.0.1:{port}/");
        registry.Start();
        var requests = new ConcurrentQueue<(string Method, string Path, string Accept)>();
        var serving = Task.Run(async () =>
        {
            while (registry.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await registry.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                requests.Enqueue((ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, ctx.Request.Headers["Accept"] ?? ""));
                ctx.Response.StatusCode = ctx.Request.Url.AbsolutePath == "/v2/team/app/manifests/1.0" ? 200 : 404;
                ctx.Response.Close();
            }
        });

        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { RegistryHost = $"127.0.0.1:{port}", TimeStep = TimeSpan.FromMilliseconds(10) });
        using var client = EmulatorFixture.CreateClient(server);
        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("present", $"127.0.0.1:{port}/team/app:1.0", ["echo", "ok"]), "default");
        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("absent", $"127.0.0.1:{port}/team/app:2.0", ["echo", "ok"]), "default");
        await client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("elsewhere", "docker.io/library/busybox:1.36", ["echo", "ok"]), "default");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var name in new[] { "present", "elsewhere" })
        {
            await Eventually.WaitAsync(() => client.BatchV1.ReadNamespacedJobAsync(name, "default"), j => j.Status?.Succeeded == 1, $"{name} complete");
            output.WriteLine($"{name}: {clock.ElapsedMilliseconds} ms");
        }

        var pod = await Eventually.WaitAsync(
            async () => (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "job-name=absent")).Items.FirstOrDefault(),
            p => p?.Status?.ContainerStatuses?[0].State.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff", "pull failure");
        output.WriteLine($"absent: {clock.ElapsedMilliseconds} ms");
        Assert.Contains($"127.0.0.1:{port}/team/app:2.0", pod!.Status.ContainerStatuses[0].State.Waiting.Message, StringComparison.Ordinal);

        Assert.Contains(requests, r => r.Method == "HEAD" && r.Path == "/v2/team/app/manifests/1.0" && r.Accept.Contains("application/vnd.oci.image.index.v1+json", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Path == "/v2/team/app/manifests/2.0");
        Assert.DoesNotContain(requests, r => r.Path.Contains("busybox", StringComparison.Ordinal));
        output.WriteLine($"asserted: {clock.ElapsedMilliseconds} ms");
        await server.DisposeAsync();
        output.WriteLine($"emulator stopped: {clock.ElapsedMilliseconds} ms");
        registry.Stop();
        await serving;
        output.WriteLine($"registry stopped: {clock.ElapsedMilliseconds} ms");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
