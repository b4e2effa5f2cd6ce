using System.Net.Http.Json;
using System.Text.Json.Nodes;
using E2ePs.TestSupport;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The kubelet's timing around logs, on an emulator of its own: the status lag after a log ends (upstream's 1 s
/// PLEG relist) and log rotation at containerLogMaxSize (shortened to 64 KiB so a few hundred lines rotate).
/// </summary>
public sealed class KubeletLogTimingTests : IAsyncLifetime
{
    private const long MaxFile = 64 * 1024;

    // 100-byte generated lines cost 140 bytes in the CRI file: a file holds ceil(65536 / 140) = 469 of them.
    private const int LinesPerFile = 469;

    private EmulatorServer _server = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            TimeStep = TimeSpan.FromMilliseconds(10),
            // Twice upstream's relist period: the read of the status right after a log's end must come within it,
            // on a machine where a request can wait for the CPU.
            PodStatusLag = TimeSpan.FromSeconds(2),
            ContainerLogMaxSize = MaxFile,
        });
        _client = EmulatorFixture.CreateClient(_server);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<string> PodAsync(string name, string image)
    {
        var ns = "default";
        await _client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "main", Image = image }] },
            },
            ns);
        await Eventually.WaitAsync(() => _client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null, $"{name} running");
        return ns;
    }

    private static V1ContainerStateTerminated? Terminated(V1Pod pod) => pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated;

    [Fact]
    public async Task A_followed_log_ends_before_the_status_says_terminated_and_finishedAt_is_when_it_ended()
    {
        _server.AddScenario(new ContainerScenario { Image = "lag/short:*", Lines = ["one", "two"], LineIntervalMs = 200 });
        var ns = await PodAsync("lagged", "lag/short:1");

        using var response = await _client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync("lagged", ns, container: "main", follow: true);
        using var reader = new StreamReader(response.Body);
        Assert.Equal("one\ntwo\n", await reader.ReadToEndAsync());
        var endedAt = DateTime.UtcNow;

        // The runtime said stopped, so the follow ended; the relist that tells the API comes a second later.
        var atEnd = await _client.CoreV1.ReadNamespacedPodAsync("lagged", ns);
        Assert.Null(Terminated(atEnd));
        Assert.NotNull(atEnd.Status.ContainerStatuses[0].State.Running);
        Assert.Equal("Running", atEnd.Status.Phase);

        var after = await Eventually.WaitAsync(() => _client.CoreV1.ReadNamespacedPodAsync("lagged", ns), p => Terminated(p) is not null, "terminated status");
        Assert.Equal("Succeeded", after.Status.Phase);
        Assert.Equal("Completed", Terminated(after)!.Reason);

        // finishedAt is the container's exit (seconds, as metav1.Time), not the relist.
        Assert.True(Terminated(after)!.FinishedAt <= endedAt.AddSeconds(1), $"finishedAt {Terminated(after)!.FinishedAt:O} after the log ended at {endedAt:O}");
    }

    [Fact]
    public async Task Reads_that_do_not_follow_see_the_current_file_only_a_follow_from_the_start_sees_every_line()
    {
        // Lines begin 1.5 s after the start, so the follow below is open before the first rotation.
        _server.AddScenario(new ContainerScenario { Image = "rotate/gen:*", StartDelayMs = 1500, GenerateLines = 2000, LineLength = 100, EmitDurationMs = 1000 });
        var ns = await PodAsync("rotated", "rotate/gen:1");

        using (var followed = await _client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync("rotated", ns, container: "main", follow: true))
        using (var reader = new StreamReader(followed.Body))
        {
            var all = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2000, all.Length);
            Assert.StartsWith("line 0000000001 ", all[0], StringComparison.Ordinal);
            Assert.StartsWith("line 0000002000 ", all[^1], StringComparison.Ordinal);
        }

        // Files of 469 lines: [0, 469), [469, 938), [938, 1407), [1407, 1876), then the current one, lines 1877 to 2000.
        var current = (await ReadAsync(ns, "rotated")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000 - (4 * LinesPerFile), current.Length);
        Assert.StartsWith($"line {(4 * LinesPerFile) + 1:D10} ", current[0], StringComparison.Ordinal);

        // tailLines counts in the current file; a tail longer than it gets the file.
        Assert.Equal(10, (await ReadAsync(ns, "rotated", "&tailLines=10")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(current.Length, (await ReadAsync(ns, "rotated", "&tailLines=1000")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // A follow opened after the rotations starts at the current file too.
        using (var late = await _client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync("rotated", ns, container: "main", follow: true))
        using (var reader = new StreamReader(late.Body))
        {
            Assert.Equal(current.Length, (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    [RequiresToolsFact("kubectl")]
    public async Task Kubectl_logs_of_a_rotated_log_gets_the_current_file()
    {
        _server.AddScenario(new ContainerScenario { Image = "rotate/kubectl:*", GenerateLines = 1000, LineLength = 100 });
        var ns = await PodAsync("rotated-kubectl", "rotate/kubectl:1");
        await Eventually.WaitAsync(() => _client.CoreV1.ReadNamespacedPodAsync("rotated-kubectl", ns), p => Terminated(p) is not null, "terminated status");

        var logs = await EmulatorFixture.RunKubectlAsync(_server, "logs", "-n", ns, "rotated-kubectl");
        Assert.True(logs.ExitCode == 0, logs.Stderr);
        var lines = logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1000 - (2 * LinesPerFile), lines.Length);
        Assert.StartsWith($"line {(2 * LinesPerFile) + 1:D10} ", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_requests_are_counted_per_container()
    {
        _server.AddScenario(new ContainerScenario { Image = "count/one:*", Lines = ["x"] });
        var ns = await PodAsync("counted", "count/one:1");
        await ReadAsync(ns, "counted");
        await ReadAsync(ns, "counted", "&tailLines=1");

        using var http = EmulatorFixture.CreateHttp(_server, _server.Token);
        var stats = await http.GetFromJsonAsync<JsonObject>(new Uri("_emulator/stats", UriKind.Relative));
        Assert.Equal(2, stats!["logRequestsByContainer"]!["default/counted/main"]!.GetValue<long>());
    }

    private async Task<string> ReadAsync(string ns, string pod, string query = "")
    {
        using var http = EmulatorFixture.CreateHttp(_server, _server.Token);
        return await http.GetStringAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod}/log?container=main{query}", UriKind.Relative));
    }
}
