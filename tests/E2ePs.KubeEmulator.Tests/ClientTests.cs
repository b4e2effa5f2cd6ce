using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>The KubernetesClient library against the emulator: list, watch (resume, 410 re-list), log follow.</summary>
[Collection("emulator")]
public sealed class ClientTests(EmulatorFixture fx)
{
    private Kubernetes Client => fx.Client;

    private static V1ConfigMap ConfigMap(string name, string tier) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = tier } },
        Data = new Dictionary<string, string> { ["k"] = "v" },
    };

    [Fact]
    public async Task ListWithLabelAndFieldSelectors()
    {
        var ns = await fx.NewNamespaceAsync("selectors");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "web"), ns);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "db"), ns);
        var c = ConfigMap("c", "web");
        c.Metadata.Labels["canary"] = "true";
        await Client.CoreV1.CreateNamespacedConfigMapAsync(c, ns);

        async Task<string> Names(string? labels = null, string? fields = null) =>
            string.Join(',', (await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: labels, fieldSelector: fields)).Items.Select(i => i.Metadata.Name).Where(n => n.Length == 1));

        Assert.Equal("a,c", await Names("tier=web"));
        Assert.Equal("a,c", await Names("tier==web"));
        Assert.Equal("b", await Names("tier!=web"));
        Assert.Equal("a,b,c", await Names("tier in (web, db)"));
        Assert.Equal("b", await Names("tier notin (web)"));
        Assert.Equal("c", await Names("canary"));
        Assert.Equal("a,b", await Names("tier,!canary"));
        Assert.Equal("b", await Names(fields: "metadata.name=b"));
        Assert.Equal("a,c", await Names(fields: "metadata.name!=b"));
        Assert.Equal("c", await Names("tier=web", $"metadata.namespace={ns},metadata.name!=a"));
        var all = await Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: "tier=db");
        Assert.Contains(all.Items, i => i.Metadata.NamespaceProperty == ns && i.Metadata.Name == "b");

        await Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "tier=web");
        Assert.Equal("b", await Names());
    }

    [Fact]
    public async Task WatchResumesFromLastResourceVersionAfterADroppedConnection()
    {
        var ns = await fx.NewNamespaceAsync("watch-resume");
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var seen = new List<(WatchEventType, string)>();
        var rv = list.Metadata.ResourceVersion;

        // First connection: the server closes it after 2 s (timeoutSeconds); a created object arrives meanwhile.
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("one", "x"), ns);
        await foreach (var (type, item) in Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: rv, timeoutSeconds: 1))
        {
            seen.Add((type, item.Metadata.Name));
            rv = item.Metadata.ResourceVersion;
        }

        // Changes while no watch is open are replayed when resuming from the last resourceVersion.
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("two", "x"), ns);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("one", ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var (type, item) in Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: rv, cancellationToken: cts.Token))
        {
            seen.Add((type, item.Metadata.Name));
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Added, "one"), (WatchEventType.Added, "two"), (WatchEventType.Deleted, "one")], seen);
    }

    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithAddedEventsAndSendsBookmarks()
    {
        var ns = await fx.NewNamespaceAsync("watch-initial");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("present", "x"), ns);
        var events = new List<WatchEventType>();
        await foreach (var (type, item) in Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true, timeoutSeconds: 1))
        {
            events.Add(type);
            if (type == WatchEventType.Bookmark)
            {
                Assert.False(string.IsNullOrEmpty(item.Metadata.ResourceVersion));
            }
        }

        Assert.Equal(WatchEventType.Added, events[0]);
        Assert.Contains(WatchEventType.Bookmark, events);
    }

    [Fact]
    public async Task ExpiredResourceVersionGives410AndARelistRecovers()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { WatchHistorySize = 16, TimeStep = TimeSpan.FromMilliseconds(10) });
        using var client = EmulatorFixture.CreateClient(server);
        var rv = (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;
        for (var i = 0; i < 40; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm{i}", "x"), "default");
        }

        Exception? error = null;
        var count = 0;
        await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: rv, timeoutSeconds: 2, onError: e => error = e))
        {
            count++;
        }

        var gone = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, gone.Status.Code);
        Assert.Equal("Expired", gone.Status.Reason);
        Assert.Equal(0, count);

        // The informer's answer to 410: list again and watch from the list's resourceVersion.
        var relist = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(40, relist.Items.Count(i => i.Metadata.Name.StartsWith("cm", StringComparison.Ordinal)));
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("after", "x"), "default");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: relist.Metadata.ResourceVersion, cancellationToken: cts.Token))
        {
            Assert.Equal((WatchEventType.Added, "after"), (type, item.Metadata.Name));
            break;
        }
    }

    [Fact]
    public async Task WatchAcrossNamespacesWithLabelSelectorSeesSelectionTransitions()
    {
        var ns = await fx.NewNamespaceAsync("watch-all");
        var rv = (await Client.CoreV1.ListConfigMapForAllNamespacesAsync()).Metadata.ResourceVersion;
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("moving", "blue"), ns);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"labels\":{\"tier\":\"green\"}}}", V1Patch.PatchType.MergePatch), "moving", ns);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"labels\":{\"tier\":\"blue\"}}}", V1Patch.PatchType.MergePatch), "moving", ns);
        var seen = new List<WatchEventType>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var (type, _) in Client.CoreV1.WatchListConfigMapForAllNamespacesAsync(resourceVersion: rv, labelSelector: "tier=blue", cancellationToken: cts.Token))
        {
            seen.Add(type);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted, WatchEventType.Added], seen);
    }

    [Fact]
    public async Task LogFollowStreamsWhileTheContainerRuns()
    {
        var ns = await fx.NewNamespaceAsync("log-follow");
        fx.Server.AddScenario(new ContainerScenario { Image = "scenario/slow-logger:*", Lines = ["first", "second", "third"], LineIntervalMs = 300 });
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("logger", "scenario/slow-logger:1", ["run"]), ns);
        var pod = await Eventually.WaitAsync(
            async () => (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=logger")).Items.FirstOrDefault(),
            p => p?.Status?.Phase == "Running", "pod running");

        var started = DateTime.UtcNow;
        await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod!.Metadata.Name, ns, follow: true, timestamps: true);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        Assert.Equal(["first", "second", "third"], lines.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z first$", lines[0]);
        // The third line is written 600 ms after the start: a follow that began earlier cannot have ended before it.
        var third = DateTime.Parse(lines[2][..30], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        if (started < third)
        {
            Assert.True(DateTime.UtcNow >= third.AddMilliseconds(-5), "follow should have waited for the later lines");
        }

        var tail = await ReadAllAsync(await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, tailLines: 1));
        Assert.Equal("third\n", tail);
        var limited = await ReadAllAsync(await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, limitBytes: 8));
        Assert.Equal("first\nse", limited);
        // sinceTime reaches the kubelet in whole seconds (the API server re-formats it with time.RFC3339 in
        // pkg/registry/core/pod/strategy.go): asking from the second line's exact time returns every line of
        // its second, the earlier ones too.
        var stamps = lines.Select(l => DateTime.Parse(l[..30], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal)).ToList();
        var since = stamps[1];
        var wholeSecond = new DateTime(since.Ticks - (since.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var expected = string.Concat(lines.Where((_, i) => stamps[i] >= wholeSecond).Select(l => l[31..] + "\n"));
        var fromSecond = await ReadAllAsync(await fx.Http.GetStreamAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod.Metadata.Name}/log?sinceTime={since:yyyy-MM-ddTHH:mm:ss.fffffffZ}", UriKind.Relative)));
        Assert.Equal(expected, fromSecond);
        var fromNextSecond = await ReadAllAsync(await fx.Http.GetStreamAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod.Metadata.Name}/log?sinceTime={wholeSecond.AddSeconds(1):yyyy-MM-ddTHH:mm:ssZ}", UriKind.Relative)));
        Assert.Equal(string.Concat(lines.Where((_, i) => stamps[i] >= wholeSecond.AddSeconds(1)).Select(l => l[31..] + "\n")), fromNextSecond);
        var invalid = await fx.Http.GetAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod.Metadata.Name}/log?sinceTime=yesterday", UriKind.Relative));
        Assert.Equal(400, (int)invalid.StatusCode);
    }

    private static async Task<string> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync();
        }
    }

    [Fact]
    public async Task ErrorsAreStatusObjectsShapedLikeTheApiServers()
    {
        var ns = await fx.NewNamespaceAsync("status");
        var missing = await fx.Http.GetAsync(new Uri($"apis/batch/v1/namespaces/{ns}/jobs/nope", UriKind.Relative));
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"jobs.batch \\\"nope\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"group\":\"batch\",\"kind\":\"jobs\"},\"code\":404}",
            await missing.Content.ReadAsStringAsync());

        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("dup", "x"), ns);
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("dup", "x"), ns));
        Assert.Equal(409, (int)conflict.Response.StatusCode);
        Assert.Equal(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"configmaps \\\"dup\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"dup\",\"kind\":\"configmaps\"},\"code\":409}",
            conflict.Response.Content);

        var stale = await Client.CoreV1.ReadNamespacedConfigMapAsync("dup", ns);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"k\":\"new\"}}", V1Patch.PatchType.MergePatch), "dup", ns);
        var outdated = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "dup", ns));
        Assert.Equal(409, (int)outdated.Response.StatusCode);
        Assert.Contains("Operation cannot be fulfilled on configmaps \\\"dup\\\": the object has been modified; please apply your changes to the latest version and try again", outdated.Response.Content, StringComparison.Ordinal);

        var noNamespace = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("x", "x"), "does-not-exist"));
        Assert.Equal(404, (int)noNamespace.Response.StatusCode);
        Assert.Contains("\"message\":\"namespaces \\\"does-not-exist\\\" not found\"", noNamespace.Response.Content, StringComparison.Ordinal);

        using var anonymous = EmulatorFixture.CreateHttp(fx.Server, null);
        var unauthorized = await anonymous.GetAsync(new Uri("api/v1/namespaces", UriKind.Relative));
        Assert.Equal(401, (int)unauthorized.StatusCode);
        Assert.Equal("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}", await unauthorized.Content.ReadAsStringAsync());
        using var wrong = EmulatorFixture.CreateHttp(fx.Server, "wrong-token");
        Assert.Equal(401, (int)(await wrong.GetAsync(new Uri("version", UriKind.Relative))).StatusCode);
    }
}
