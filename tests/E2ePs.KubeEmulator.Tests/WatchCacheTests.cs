using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using E2ePs.TestSupport;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The watch cache as kubernetes/kubernetes keeps it (staging/src/k8s.io/apiserver/pkg/storage/cacher): history
/// by time within capacity bounds, 410 once a resourceVersion is too old, bookmarks at their interval and before
/// the timeout, the random timeout of a watch that gives none, and API server restarts (history lost, etcd
/// rewound) seen through KubernetesClient, raw HTTP and kubectl. Each test starts an emulator with the timings it shortens.
/// </summary>
public sealed class WatchCacheTests
{
    private static V1ConfigMap ConfigMap(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };

    /// <summary>The first line of a watch from <paramref name="rv"/>: the first replayed event, or the ERROR.</summary>
    private static async Task<JsonObject> FirstWatchEventAsync(HttpClient http, string ns, string rv)
    {
        using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=5", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var line = await reader.ReadLineAsync();
        return Assert.IsType<JsonObject>(JsonNode.Parse(line ?? "null"));
    }

    private static async Task<string> CreateAsync(Kubernetes client, string ns, string name) =>
        (await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), ns)).Metadata.ResourceVersion;

    [Fact]
    public async Task The_window_grows_past_its_lower_bound_while_events_are_fresh_and_stops_at_its_upper_bound()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { WatchHistoryMinEvents = 4, WatchHistorySize = 64, WatchHistoryDuration = TimeSpan.FromMinutes(5) });
        using var client = EmulatorFixture.CreateClient(server);
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        var rv = (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;
        for (var i = 0; i < 40; i++)
        {
            await CreateAsync(client, "default", $"fresh-{i}");
        }

        // 40 events in far less than the fresh duration: the window of 4 doubled to keep them all.
        var first = await FirstWatchEventAsync(http, "default", rv);
        Assert.Equal(("ADDED", "fresh-0"), (first["type"]!.GetValue<string>(), first["object"]!["metadata"]!["name"]!.GetValue<string>()));

        for (var i = 0; i < 40; i++)
        {
            await CreateAsync(client, "default", $"more-{i}");
        }

        // 80 events, a window of at most 64: the oldest went, fresh or not.
        var gone = await FirstWatchEventAsync(http, "default", rv);
        Assert.Equal("ERROR", gone["type"]!.GetValue<string>());
        Assert.Equal(410, gone["object"]!["code"]!.GetValue<int>());
        Assert.StartsWith("too old resource version: " + rv, gone["object"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_go_only_once_they_are_older_than_the_fresh_duration()
    {
        var fresh = TimeSpan.FromMilliseconds(400);
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { WatchHistoryMinEvents = 4, WatchHistoryDuration = fresh });
        using var client = EmulatorFixture.CreateClient(server);
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        var rv = (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;
        var clock = Stopwatch.StartNew();
        await CreateAsync(client, "default", "oldest");

        // Keep writing until a watch from before the first write is too old: the window only lets an
        // event go when it is full and that event is older than the fresh duration, else it grows.
        JsonObject first;
        var writes = 1;
        do
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the oldest event was never dropped");
            await CreateAsync(client, "default", $"next-{writes++}");
            first = await FirstWatchEventAsync(http, "default", rv);
        }
        while (first["type"]!.GetValue<string>() != "ERROR");

        Assert.True(clock.Elapsed >= fresh, $"an event went after {clock.Elapsed}, younger than {fresh}");
        Assert.True(writes > 4, "nothing goes before the window is full");
        Assert.Equal("Expired", first["object"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bookmarks_come_at_the_interval_and_2_s_before_the_timeout()
    {
        // Upstream's one minute: a watch of 3 s gets only the bookmark 2 s before its end (and, here, one at the close).
        await using var real = await EmulatorFixture.StartAsync(new EmulatorOptions());
        Assert.Equal(TimeSpan.FromSeconds(60), new EmulatorOptions().BookmarkInterval);
        Assert.Equal(2, await CountBookmarksAsync(real, timeoutSeconds: 3));

        // Shortened to 250 ms for a test: several in the same 3 s.
        await using var fast = await EmulatorFixture.StartAsync(new EmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(250) });
        Assert.InRange(await CountBookmarksAsync(fast, timeoutSeconds: 3), 5, 14);
    }

    private static async Task<int> CountBookmarksAsync(EmulatorServer server, int timeoutSeconds)
    {
        using var client = EmulatorFixture.CreateClient(server);
        var rv = (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;
        var bookmarks = 0;
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: timeoutSeconds))
        {
            Assert.Equal(WatchEventType.Bookmark, type);
            Assert.False(string.IsNullOrEmpty(item.Metadata.ResourceVersion));
            bookmarks++;
        }

        return bookmarks;
    }

    [Fact]
    public async Task A_watch_without_timeoutSeconds_ends_between_the_min_request_timeout_and_twice_it()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { MinRequestTimeout = TimeSpan.FromSeconds(1) });
        using var client = EmulatorFixture.CreateClient(server);
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        var rv = (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;
        var clock = Stopwatch.StartNew();
        using (var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}", HttpCompletionOption.ResponseHeadersRead))
        {
            // No events, no bookmarks asked for: the stream just ends when the server closes it.
            Assert.Equal("", await response.Content.ReadAsStringAsync());
        }

        // The lower bound is exact; the upper one (2 s) gets room for a loaded machine.
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.0, 6.0);
    }

    [Fact]
    public async Task A_restart_drops_every_watch_and_old_resourceVersions_get_410_while_the_objects_stay()
    {
        RequiredTools.Ensure("kubectl");
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions());
        using var client = EmulatorFixture.CreateClient(server);
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        var before = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("kept"), "default");

        // kubectl's own watch, open when the server restarts.
        var psi = new ProcessStartInfo("kubectl", ["get", "configmaps", "-n", "default", "-w", "--output-watch-events", "--kubeconfig", server.KubeconfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var kubectl = Process.Start(psi)!;
        var stderr = kubectl.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        while ((line = await kubectl.StandardOutput.ReadLineAsync(limit.Token)) is not null && !(line.Contains("ADDED", StringComparison.Ordinal) && line.Contains("kept", StringComparison.Ordinal)))
        {
        }

        // That line came from kubectl's list; a change it prints came through its watch, so the watch is open.
        Assert.NotNull(line);
        var marker = await CreateAsync(client, "default", "marker");
        while ((line = await kubectl.StandardOutput.ReadLineAsync(limit.Token)) is not null && !line.Contains("marker", StringComparison.Ordinal))
        {
        }

        Assert.NotNull(line);
        var restartedAt = server.Restart(RestartMode.LoseHistory);

        // Its HTTP/2 stream was reset with the connection: kubectl prints the stream error as an ERROR row
        // (kubectl get -w does not watch again), as it does when a real API server goes away.
        while ((line = await kubectl.StandardOutput.ReadLineAsync(limit.Token)) is not null && !line.StartsWith("ERROR", StringComparison.Ordinal))
        {
        }

        kubectl.Kill();
        Assert.True(line is not null, await stderr);
        Assert.Contains("stream", line, StringComparison.Ordinal);
        Assert.Equal(0, server.GetStats().OpenWatches);

        // etcd kept everything: same objects, same UIDs, the counter where it was.
        Assert.Equal(long.Parse(marker, System.Globalization.CultureInfo.InvariantCulture), restartedAt);
        var listed = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(before.Metadata.Uid, listed.Items.Single(c => c.Metadata.Name == "kept").Metadata.Uid);

        // The new watch cache starts at the list it made: anything older is 410, from there on it works.
        var gone = await FirstWatchEventAsync(http, "default", (restartedAt - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("ERROR", 410), (gone["type"]!.GetValue<string>(), gone["object"]!["code"]!.GetValue<int>()));
        await CreateAsync(client, "default", "after");
        var resumed = await FirstWatchEventAsync(http, "default", listed.Metadata.ResourceVersion);
        Assert.Equal("after", resumed["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_rewind_restores_the_snapshot_and_a_watch_from_a_later_resourceVersion_is_too_large()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { TooLargeResourceVersionWait = TimeSpan.FromMilliseconds(300) });
        using var client = EmulatorFixture.CreateClient(server);
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        await CreateAsync(client, "default", "in-backup");
        using (var snapshot = await http.PostAsync("/_emulator/snapshot", null))
        {
            Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        }

        var seen = await CreateAsync(client, "default", "after-backup");
        using (var restart = await http.PostAsync("/_emulator/restart", new StringContent("{\"mode\":\"rewind\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, restart.StatusCode);
        }

        // Objects as of the backup; the counter below what clients have seen.
        var listed = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Contains(listed.Items, c => c.Metadata.Name == "in-backup");
        Assert.DoesNotContain(listed.Items, c => c.Metadata.Name == "after-backup");
        Assert.True(long.Parse(listed.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) < long.Parse(seen, System.Globalization.CultureInfo.InvariantCulture));

        // A watch from what the client saw: 504 Timeout, cause ResourceVersionTooLarge, as an ERROR event.
        Exception? error = null;
        await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: seen, timeoutSeconds: 5, onError: e => error = e))
        {
            Assert.Fail("no event before the error");
        }

        var status = Assert.IsType<KubernetesException>(error).Status;
        Assert.Equal((504, "Timeout"), (status.Code, status.Reason));
        Assert.Equal("ResourceVersionTooLarge", Assert.Single(status.Details.Causes).Reason);
        Assert.StartsWith("Timeout: Too large resource version: " + seen, status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_modes_are_checked_and_a_rewind_needs_a_snapshot()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions());
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        using var unknown = await http.PostAsync("/_emulator/restart", new StringContent("{\"mode\":\"reboot\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("lose-history", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var noSnapshot = await http.PostAsync("/_emulator/restart", new StringContent("{\"mode\":\"rewind\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, noSnapshot.StatusCode);
        Assert.Contains("snapshot", await noSnapshot.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
