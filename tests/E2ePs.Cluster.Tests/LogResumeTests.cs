using System.Globalization;
using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using Xunit.Abstractions;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Every reader of a log resumes a cut stream, with or without -Follow, also when one second of log is
/// larger than one connection delivers; lines end at '\n' only; a replaced run is an error.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LogResumeTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    public void Dispose() => cluster.Emulator.ClearFaults();

    private async Task<List<E2eRun>> StartAsync(string prefix, int count, Func<int, ContainerScenario> scenario)
    {
        var ns = await cluster.NewNamespaceAsync();
        var requests = new List<StartJobRequest>();
        for (var i = 0; i < count; i++)
        {
            var image = $"registry.test/e2e/{prefix}-{ns}-{i}:1";
            var test = scenario(i);
            test.Image = image;
            test.ContainerName = "test-runner";
            cluster.Emulator.AddScenario(test);
            var job = cluster.Scaffold($"{prefix}-{i}", ns, image);
            requests.Add(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job });
        }

        return [.. await Task.WhenAll(requests.Select(r => cluster.Engine.Cluster.StartAsync(r, CancellationToken.None)))];
    }

    private static List<string> TestLines(List<E2eLogLine> lines) => lines.Where(l => l.Container == "test-runner").Select(l => l.Message).ToList();

    /// <summary>Generated lines are numbered "line 0000000001 …": all there, once each, in order.</summary>
    private static void AssertGeneratedLines(long expected, List<string> lines)
    {
        Assert.Equal(expected, lines.Count);
        Assert.Equal(expected, lines.Distinct().Count());
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
    }

    [Fact]
    public async Task A_log_read_without_follow_resumes_after_each_cut()
    {
        var run = (await StartAsync("cut-nofollow", 1, _ => new ContainerScenario { GenerateLines = 3000, EmitDurationMs = 300 }))[0];
        await cluster.WaitAllAsync([run]);
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 100_000 });

        var lines = await cluster.LogsAsync(run);

        AssertGeneratedLines(3000, TestLines(lines));
    }

    [Fact]
    public async Task Three_thousand_lines_with_one_timestamp_pass_a_cut_smaller_than_their_second_following_or_not()
    {
        // 3000 lines of 100 bytes stamped alike: every reopen from sinceTime replays the same 50 KB.
        var run = (await StartAsync("one-stamp", 1, _ => new ContainerScenario { GenerateLines = 3000, EmitDurationMs = 0, DurationMs = 300 }))[0];
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 50_000 });

        var followed = await cluster.LogsAsync(run, follow: true);
        var read = await cluster.LogsAsync(run);

        AssertGeneratedLines(3000, TestLines(followed));
        AssertGeneratedLines(3000, TestLines(read));
        Assert.Single(followed.Where(l => l.Container == "test-runner").Select(l => l.Timestamp).Distinct());
    }

    [Fact]
    public async Task The_byte_path_read_on_the_calling_thread_resumes_after_cuts_and_gives_every_line_once()
    {
        // Get-E2eLog -Raw/-OutFile: chunks of raw lines, the response read with blocking calls; 3000 lines
        // stamped alike behind a 50 KB cut, so every reopen replays and the tail catch-up runs too.
        var run = (await StartAsync("chunks", 1, _ => new ContainerScenario { GenerateLines = 3000, EmitDurationMs = 0, DurationMs = 300 }))[0];
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 50_000 });

        foreach (var follow in new[] { true, false })
        {
            var request = new LogRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = run.Uid, Follow = follow, Container = "test-runner", ReadOnCallingThread = true };
            var text = new List<string>();
            var counted = 0;
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await foreach (var chunk in cluster.Engine.Cluster.ReadLogChunksAsync(request, limit.Token))
            {
                var lines = System.Text.Encoding.UTF8.GetString(chunk.Data).Split('\n')[..^1];
                Assert.Equal(chunk.Lines, lines.Length);
                Assert.Equal((byte)'\n', chunk.Data[^1]);
                counted += chunk.Lines;
                text.AddRange(lines.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
            }

            AssertGeneratedLines(3000, text);
            Assert.Equal(3000, counted);
        }
    }

    [Fact]
    public async Task Lines_at_2500_a_second_with_a_50KB_cut_are_all_followed_once()
    {
        var runs = await StartAsync("dense", 3, _ => new ContainerScenario { GenerateLines = 5000, EmitDurationMs = 2000 });
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 50_000, WatchCloseAfterEvents = 3 });

        var all = await Task.WhenAll(runs.Select(r => cluster.LogsAsync(r, follow: true)));

        Assert.All(all, lines => AssertGeneratedLines(5000, TestLines(lines)));
    }

    [Fact]
    public async Task A_bare_carriage_return_stays_inside_its_line_and_a_cut_repeats_nothing()
    {
        const string progress = "progress 10%\rprogress 50%\rdone";
        var lines = Enumerable.Range(0, 1500).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i:D5} {progress}")).ToList();
        var run = (await StartAsync("carriage", 1, _ => new ContainerScenario { Lines = lines, LineIntervalMs = 1 }))[0];
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = 20_000 });

        var followed = TestLines(await cluster.LogsAsync(run, follow: true));
        var read = TestLines(await cluster.LogsAsync(run));

        Assert.Equal(lines, followed);
        Assert.Equal(lines, read);
    }

    [Fact]
    public async Task The_log_of_a_replaced_run_is_the_same_RunReplaced_error_as_its_results()
    {
        var run = (await StartAsync("replaced-log", 1, _ => new ContainerScenario { Lines = ["hello"] }))[0];
        await cluster.WaitAllAsync([run]);
        var request = new LogRequest { Target = cluster.Target(run.Namespace), JobName = run.JobName, Uid = "0000-not-this-run" };

        var fromLog = await Assert.ThrowsAsync<E2eException>(async () =>
        {
            await foreach (var _ in cluster.Engine.Cluster.ReadLogsAsync(request, CancellationToken.None))
            {
            }
        });
        var fromFollow = await Assert.ThrowsAsync<E2eException>(async () =>
        {
            await foreach (var _ in cluster.Engine.Cluster.ReadLogsAsync(new LogRequest { Target = request.Target, JobName = request.JobName, Uid = request.Uid, Follow = true }, CancellationToken.None))
            {
            }
        });
        var fromResults = await Assert.ThrowsAsync<E2eException>(() =>
            cluster.Engine.Results.ReadAsync(new ResultRequest { Target = request.Target, JobName = run.JobName, Uid = request.Uid }, CancellationToken.None));

        Assert.Equal("RunReplaced", fromLog.ErrorId);
        Assert.Equal("RunReplaced", fromFollow.ErrorId);
        Assert.Equal("RunReplaced", fromResults.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, fromLog.Category);
        Assert.Equal(run.JobName, fromLog.Target);
        Assert.NotNull(fromLog.RecommendedAction);
        Assert.Equal("hello", Assert.Single(TestLines(await cluster.LogsAsync(run))));
    }

    /// <summary>
    /// The fault run of issue 11, small by default; E2EPS_LOG_FAULT_JOBS, _LINES and _CUT make it the
    /// big one for the figures. Every job's lines through -Follow, then again without, under cut logs and
    /// dropped watches; prints lines, lost, duplicated and log requests.
    /// </summary>
    [Fact]
    public async Task A_fault_run_of_many_jobs_loses_and_repeats_no_line()
    {
        static int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var jobs = Setting("E2EPS_LOG_FAULT_JOBS", 6);
        var perJob = Setting("E2EPS_LOG_FAULT_LINES", 3000);
        var cut = Setting("E2EPS_LOG_FAULT_CUT", 50_000);
        var runs = await StartAsync("fault-run", jobs, _ => new ContainerScenario { GenerateLines = perJob, EmitDurationMs = perJob * 1000 / 2500 });
        cluster.Emulator.SetFaults(new FaultSettings { LogCutAfterBytes = cut, WatchCloseAfterEvents = 3 });
        cluster.Emulator.ResetStats();

        var followed = await Task.WhenAll(runs.Select(r => cluster.LogsAsync(r, follow: true)));
        var followRequests = cluster.Emulator.GetStats().RequestsByResource.GetValueOrDefault("pods/log");
        var read = await Task.WhenAll(runs.Select(r => cluster.LogsAsync(r)));
        var allRequests = cluster.Emulator.GetStats().RequestsByResource.GetValueOrDefault("pods/log");

        foreach (var (name, results) in new[] { ("follow", followed), ("read", read) })
        {
            var lines = results.Sum(r => (long)TestLines(r).Count);
            var distinct = results.Sum(r => (long)TestLines(r).Distinct().Count());
            var lost = ((long)jobs * perJob) - distinct;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: jobs {jobs}, lines {lines} of {(long)jobs * perJob}, lost {lost}, duplicated {lines - distinct}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log requests: follow {followRequests}, read {allRequests - followRequests}"));
        Assert.All(followed, lines => AssertGeneratedLines(perJob, TestLines(lines)));
        Assert.All(read, lines => AssertGeneratedLines(perJob, TestLines(lines)));
    }
}
