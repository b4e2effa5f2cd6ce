using System.Globalization;
using System.Text;
using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using Xunit.Abstractions;

namespace E2ePs.Results.Tests;

/// <summary>
/// An emulator whose kubelet has upstream's status lag (1 s after a log ends, the PLEG relist) and rotates
/// logs at 64 KiB (containerLogMaxSize shortened from 10 MiB, so a report of a few hundred lines spans files).
/// </summary>
public sealed class KubeletTimingFixture() : EmulatorFixture("kt")
{
    public const long MaxFile = 64 * 1024;

    protected override void Configure(EmulatorOptions options)
    {
        options.PodStatusLag = TimeSpan.FromSeconds(1);
        options.ContainerLogMaxSize = MaxFile;
    }
}

[CollectionDefinition(Name)]
public sealed class KubeletTimingCollection : ICollectionFixture<KubeletTimingFixture>
{
    public const string Name = "kubelet-timing";
}

/// <summary>Logs and results under the kubelet's real timing: the status lag after a log ends, and rotation.</summary>
[Collection(KubeletTimingCollection.Name)]
public sealed class KubeletLogTimingTests(KubeletTimingFixture cluster, ITestOutputHelper output)
{
    /// <summary>A JUnit report of <paramref name="cases"/> cases with unique names, so that gzip cannot make it small.</summary>
    private static string BigReport(int cases)
    {
        var xml = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuite name=\"pytest\" tests=\"{cases}\" failures=\"1\" errors=\"0\" skipped=\"0\">"));
        for (var i = 0; i < cases; i++)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<testcase classname=\"tests.e2e.test_{Guid.NewGuid():N}\" name=\"test_{Guid.NewGuid():N}\" time=\"0.01\">");
            xml.Append(i == 0 ? "<failure message=\"assert 1 == 2\">AssertionError</failure></testcase>" : "</testcase>");
        }

        return xml.Append("</testsuite>").ToString();
    }

    private static long CriBytes(IEnumerable<string> lines) => lines.Sum(l => Encoding.UTF8.GetByteCount(l) + 1 + 40);

    private async Task<List<E2eLogLine>> ReadLogAsync(E2eRun run, bool follow)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var lines = new List<E2eLogLine>();
        var request = new LogRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = run.Uid, Follow = follow };
        await foreach (var line in cluster.Engine.Cluster.ReadLogsAsync(request, timeout.Token))
        {
            lines.Add(line);
        }

        return lines;
    }

    private async Task<E2eRun> StartAsync(string name, ContainerScenario test)
    {
        var job = await cluster.JobAsync(name, test);
        return await cluster.Engine.Cluster.StartAsync(cluster.Request(job).Start, CancellationToken.None);
    }

    [Fact]
    public async Task A_followed_log_goes_from_the_clone_to_the_test_container_to_the_end_with_one_request_each()
    {
        var run = await StartAsync("lag-follow", new ContainerScenario { Lines = ["collected 3 items", "3 passed"], LineIntervalMs = 200 });

        var lines = await ReadLogAsync(run, follow: true);

        Assert.Equal(
            ["Cloning branch main of https://github.com/example/shop.git", "Cloned commit 1a2b3c4", "collected 3 items", "3 passed"],
            lines.Select(l => l.Message));
        var pod = Assert.Single(lines.Select(l => l.Pod).Distinct());
        var requests = cluster.Emulator.GetStats().LogRequestsByContainer;
        output.WriteLine(string.Join(", ", requests.Where(r => r.Key.Contains(pod, StringComparison.Ordinal)).Select(r => $"{r.Key}={r.Value}")));

        // Each stream ended when the container stopped, a second before the status said so: the reader waited
        // for the status (watching the pod) instead of reopening the log until it changed.
        Assert.Equal(1, requests[$"{run.Namespace}/{pod}/clone-repo"]);
        Assert.Equal(1, requests[$"{run.Namespace}/{pod}/test-runner"]);
    }

    [Fact]
    public async Task Invoke_reads_a_report_larger_than_the_rotation_size_whole_and_Get_E2eResult_names_the_rotation()
    {
        // Set-up first, then about 200 KiB of report: the follow is open before the first rotation.
        var block = JUnitReports.Block(BigReport(3000));
        var log = new List<string> { "collected 3000 items" };
        log.AddRange(block);
        log.Add("[e2eps] pytest exited with code 1");
        Assert.True(CriBytes(block) > 3 * KubeletTimingFixture.MaxFile, $"the report is {CriBytes(block)} bytes in the log file");
        var job = await cluster.JobAsync("rot-report", new ContainerScenario { StartDelayMs = 1500, Lines = log, ExitCode = 1 });

        var updates = await cluster.InvokeAsync([cluster.Request(job)], new InvokeOptions { RetryDelay = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(60), FollowLogs = false });

        var finished = updates.OfType<InvokeUpdate.Finished>().Single().Run;
        Assert.DoesNotContain(updates, u => u is InvokeUpdate.Warning or InvokeUpdate.ReportError or InvokeUpdate.Failed);
        Assert.Equal(E2eFailureKind.TestFailure, finished.FailureKind);
        Assert.Equal(E2eTestReportStatus.Found, finished.TestResult!.ReportStatus);
        Assert.Equal((2999, 1), (finished.TestResult.Passed, finished.TestResult.Failed));

        // After the end, the API serves only the last file: the report's end without its beginning.
        var reading = await cluster.Engine.Results.ReadAsync(new ResultRequest { Target = cluster.Target(finished.Namespace), JobName = finished.JobName, Uid = finished.Uid }, CancellationToken.None);
        Assert.Equal("TestReportRotated", reading.Problem?.ErrorId);
        Assert.Equal(E2eTestReportStatus.Truncated, reading.Result.ReportStatus);
        Assert.Contains("rotated", reading.Result.ReportMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_log_read_without_follow_after_rotation_flags_its_first_line()
    {
        // Two lines, then 2000 generated ones from 3 s on: the current file begins long after the start.
        var run = await StartAsync("rot-log", new ContainerScenario { Lines = ["starting", "started"], LineIntervalMs = 1500, GenerateLines = 2000, LineLength = 100, EmitDurationMs = 500 });
        await ReadLogAsync(run, follow: true);

        var lines = await ReadLogAsync(run, follow: false);

        var test = lines.Where(l => l.Container == "test-runner").ToList();
        Assert.True(test[0].EarlierLinesRotated, $"first line {test[0].Message} at {test[0].Timestamp:O}");
        Assert.DoesNotContain("starting", test.Select(l => l.Message));
        Assert.All(test.Skip(1), l => Assert.False(l.EarlierLinesRotated));
        Assert.All(lines.Where(l => l.InitContainer), l => Assert.False(l.EarlierLinesRotated));
    }
}
