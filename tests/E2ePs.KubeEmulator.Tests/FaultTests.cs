using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>Fault injection and instrumentation, on an emulator of their own (faults are global).</summary>
public sealed class FaultTests : IAsyncLifetime
{
    private EmulatorServer _server = null!;
    private HttpClient _http = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions { TimeStep = TimeSpan.FromMilliseconds(10) });
        _http = EmulatorFixture.CreateHttp(_server, _server.Token);
        _client = EmulatorFixture.CreateClient(_server);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    [Fact]
    public async Task TooManyRequestsThenServerErrorsForAVerbAndResource()
    {
        _server.SetFaults(new FaultSettings { TooManyRequestsCount = 2, RetryAfterSeconds = 3 });
        var throttled = await GetAsync("api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("3", throttled.Headers.GetValues("Retry-After").Single());
        Assert.Equal("TooManyRequests", JsonNode.Parse(await throttled.Content.ReadAsStringAsync())!["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync("api/v1/namespaces/default/pods")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("api/v1/namespaces/default/pods")).StatusCode);

        _server.SetFaults(new FaultSettings { ServerErrorCount = 2, ServerErrorCode = 503, ServerErrorVerb = "list", ServerErrorResource = "jobs" });
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("api/v1/namespaces/default/pods")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync("apis/batch/v1/namespaces/default/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync("apis/batch/v1/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("apis/batch/v1/jobs")).StatusCode);
    }

    [Fact]
    public async Task ConnectionResetAndLatency()
    {
        _server.SetFaults(new FaultSettings { ResetConnectionCount = 1 });
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync("api/v1/namespaces"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("api/v1/namespaces")).StatusCode);

        _server.SetFaults(new FaultSettings { LatencyMs = 150 });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await GetAsync("api/v1/namespaces");
        Assert.True(watch.ElapsedMilliseconds >= 140);
        _server.ClearFaults();
    }

    [Fact]
    public async Task WatchClosedAfterEventsAndRewatchAnsweredWithGone()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"w{i}" } }, "default");
        }

        _server.SetFaults(new FaultSettings { WatchCloseAfterEvents = 2, RewatchGoneCount = 1 });
        var count = 0;
        string? rv = null;
        await foreach (var (_, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync("default"))
        {
            count++;
            rv = item.Metadata.ResourceVersion;
        }

        Assert.Equal(2, count);
        Exception? error = null;
        await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: rv, onError: e => error = e))
        {
        }

        Assert.Equal(410, Assert.IsType<KubernetesException>(error).Status.Code);

        _server.SetFaults(new FaultSettings { WatchCloseAfterSeconds = 0.5 });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: rv))
        {
        }

        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 5);
        _server.ClearFaults();
    }

    [Fact]
    public async Task LogStreamCutMidway()
    {
        _server.AddScenario(new ContainerScenario { Image = "fault/long-log:*", GenerateLines = 1000, LineLength = 50 });
        var pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"chatty\"},\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"fault/long-log:1\"}]}}";
        (await _http.PostAsync(new Uri("api/v1/namespaces/default/pods", UriKind.Relative), Eventually.Json(pod))).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => GetAsync("api/v1/namespaces/default/pods/chatty/log?limitBytes=1"), r => r.IsSuccessStatusCode, "log available");
        Assert.Equal(50_000, (await (await GetAsync("api/v1/namespaces/default/pods/chatty/log")).Content.ReadAsByteArrayAsync()).Length);

        _server.SetFaults(new FaultSettings { LogCutAfterBytes = 1234 });
        var received = new MemoryStream();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var s = await _http.GetStreamAsync(new Uri("api/v1/namespaces/default/pods/chatty/log", UriKind.Relative));
            await s.CopyToAsync(received);
        });
        Assert.Equal(1234, received.Length);

        _server.SetFaults(new FaultSettings { LogCutAfterLines = 10 });
        var lines = new MemoryStream();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var s = await _http.GetStreamAsync(new Uri("api/v1/namespaces/default/pods/chatty/log?follow=true", UriKind.Relative));
            await s.CopyToAsync(lines);
        });
        Assert.Equal(500, lines.Length);
        _server.ClearFaults();
    }

    [Fact]
    public async Task StatsCountRequestsWatchesAndBytesThroughTheAdminEndpoint()
    {
        _server.ResetStats();
        await _client.CoreV1.ListNamespacedPodAsync("default");
        await _client.CoreV1.ListNamespacedPodAsync("default");
        await _client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("counted", "busybox:1.36", ["echo"]), "default");
        using var cts = new CancellationTokenSource();
        var watches = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in _client.CoreV1.WatchListPodForAllNamespacesAsync(cancellationToken: cts.Token))
                {
                }
            }
            catch (OperationCanceledException)
            {
            }
        })).ToList();
        await Eventually.WaitAsync(() => Task.FromResult(_server.GetStats()), s => s.OpenWatches == 3, "3 open watches");
        var stats = await _http.GetFromJsonAsync<JsonObject>(new Uri("_emulator/stats", UriKind.Relative));
        Assert.Equal(2, stats!["requestsByVerbAndResource"]!["list pods"]!.GetValue<long>());
        Assert.Equal(1, stats["requestsByVerbAndResource"]!["create jobs"]!.GetValue<long>());
        Assert.Equal(3, stats["requestsByVerb"]!["watch"]!.GetValue<long>());
        Assert.Equal(3, stats["openWatches"]!.GetValue<long>());
        Assert.True(stats["peakOpenWatches"]!.GetValue<long>() >= 3);
        Assert.True(stats["bytesServed"]!.GetValue<long>() > 0);
        Assert.True(stats["peakConcurrentConnections"]!.GetValue<long>() >= 1);
        await cts.CancelAsync();
        await Task.WhenAll(watches);

        (await _http.PostAsync(new Uri("_emulator/stats/reset", UriKind.Relative), null)).EnsureSuccessStatusCode();
        Assert.Equal(0, _server.GetStats().TotalRequests);

        // The admin endpoint takes faults, scenarios, nodes and tokens as JSON too.
        (await _http.PostAsync(new Uri("_emulator/faults", UriKind.Relative), Eventually.Json("{\"serverErrorCount\":1}"))).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync("api/v1/namespaces")).StatusCode);
        (await _http.DeleteAsync(new Uri("_emulator/faults", UriKind.Relative))).EnsureSuccessStatusCode();
        (await _http.PutAsync(new Uri("_emulator/scenarios", UriKind.Relative), Eventually.Json("[{\"image\":\"admin/x:*\",\"lines\":[\"hi\"]}]"))).EnsureSuccessStatusCode();
        (await _http.PutAsync(new Uri("_emulator/nodes", UriKind.Relative), Eventually.Json("[{\"name\":\"small\",\"cpu\":\"1\",\"memory\":\"1Gi\"}]"))).EnsureSuccessStatusCode();
        Assert.Equal("small", Assert.Single((await _client.CoreV1.ListNodeAsync()).Items).Metadata.Name);
        var token = await (await _http.PostAsync(new Uri("_emulator/tokens", UriKind.Relative), Eventually.Json("{\"user\":\"erin\"}"))).Content.ReadFromJsonAsync<JsonObject>();
        using var erin = EmulatorFixture.CreateHttp(_server, token!["token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await erin.GetAsync(new Uri("api/v1/namespaces/default/pods", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await erin.GetAsync(new Uri("_emulator/stats", UriKind.Relative))).StatusCode);
    }
}
