using System.Xml.Linq;
using E2ePs.Models;
using E2ePs.TestSupport;
using Xunit.Abstractions;

namespace E2ePs.InPod.Tests.Pipeline;

/// <summary>
/// The design card's pipeline on the pytest template with real containers:
/// <c>Get-E2eJob | Build-E2eImage -Push | Start-E2eJob | Wait-E2eJob | Get-E2eLog</c>, Get-E2eResult and
/// Invoke-E2eTest, typed in a fresh pwsh against the emulator whose kubelet runs the pods with buildah
/// (the real clone script against a real git server, the real runner, the real pytest). What comes back
/// must equal what pytest reports on the host for the same branch, and the log must read the same
/// through Get-E2eLog as through kubectl. Names of Jobs and pods are taken from the runs, never assumed.
/// </summary>
[Collection(InPodCollection.Name)]
[Trait("Tier", "Full")]
public sealed class PipelineTests(InPodFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task DesignCardPipeline_PrivateRepository_PytestRunsForReal_RunAndCasesEqualPytestOnTheHost()
    {
        var pipeline = await fixture.PipelineAsync();
        output.WriteLine($"pipeline script (scaffold, build, push, 6 runs, logs, results, Invoke-E2eTest): {pipeline.ScriptTime.TotalSeconds:F0} s; Invoke-E2eTest start to verdict and results: {pipeline.Summary.InvokeSeconds:F1} s");
        output.WriteLine($"image stores (vfs): the emulator's {Tools.Run("du", ["-sh", pipeline.EmulatorStorage]).Output.Split('\t')[0]}, the builds' {Tools.Run("du", ["-sh", fixture.Storage.Folder]).Output.Split('\t')[0]}");
        var run = pipeline.Run(DesignCardPipeline.InvokedJob);
        var host = HostPytest.Run(pipeline.PublicUrl, InPodFixture.Branch, InPodFixture.PytestSample.Jobs["outcomes"]);
        var pod = Assert.Single(run.PodNames);

        // The clone: the private repository through the Secret (refused first, then the helper's credentials), the branch's own commit.
        var clone = pipeline.GetE2eLogLines(pod, "clone-repo").ToList();
        Assert.Contains($"Cloning branch {InPodFixture.Branch} of {pipeline.PrivateUrl}", clone);
        Assert.Contains($"Cloned commit {pipeline.BranchCommit[..7]}", clone);
        Assert.Contains(pipeline.GitRequests, r => r.StartsWith("GET /private/", StringComparison.Ordinal) && r.EndsWith(" 401", StringComparison.Ordinal));
        Assert.Contains(pipeline.GitRequests, r => r.StartsWith("POST /private/", StringComparison.Ordinal) && r.EndsWith("/git-upload-pack 200", StringComparison.Ordinal));
        Assert.DoesNotContain(File.ReadLines(Path.Combine(pipeline.Out, "log.tsv")), l => l.Contains(InPodFixture.Password, StringComparison.Ordinal));

        // pytest really ran: its own header and summary, which no simulated container writes.
        var runner = pipeline.GetE2eLogLines(pod, "test-runner").ToList();
        Assert.Contains(runner, l => l.StartsWith("platform linux -- Python 3.", StringComparison.Ordinal));
        Assert.Contains(runner, l => l.StartsWith('=') && l.Contains(" failed", StringComparison.Ordinal) && l.Contains(" passed", StringComparison.Ordinal));

        // The verdict and every case equal pytest's own on the host.
        Assert.Equal(host.ExitCode == 0 ? "Succeeded" : "Failed", run.Status);
        Assert.Equal(host.ExitCode, run.ExitCode);
        Assert.Equal("Found", run.ReportStatus);
        Assert.Equal(LogReport.Cases(host.Report), Cases(run));
        Assert.Equal(LogReport.Normalized(host.Report, host.Source), LogReport.Normalized(Report(pipeline, run), "/workspace/src"));
        // Failed tests are a TestFailure, reported by Wait-E2eJob's error record on this run.
        Assert.Equal("TestFailure", run.FailureKind);
        Assert.Contains(pipeline.Summary.WaitErrors, e => e.Target == run.Name && e.Id.StartsWith("E2eRunFailed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeE2eTest_SameJob_VerdictAndCasesEqualPytestOnTheHost()
    {
        var pipeline = await fixture.PipelineAsync();
        var invoked = pipeline.Summary.Invoke;
        var host = HostPytest.Run(pipeline.PublicUrl, InPodFixture.Branch, InPodFixture.PytestSample.Jobs["outcomes"]);

        // A run of its own, not the pipeline's.
        Assert.NotEqual(pipeline.Run(DesignCardPipeline.InvokedJob).Uid, invoked.Uid);
        Assert.Equal(host.ExitCode == 0 ? "Succeeded" : "Failed", invoked.Status);
        Assert.Equal(host.ExitCode, invoked.ExitCode);
        Assert.Equal("Found", invoked.ReportStatus);
        Assert.Equal(LogReport.Cases(host.Report), Cases(invoked));
        Assert.Contains(pipeline.Summary.InvokeErrors, e => e.Target == invoked.Name);
    }

    [Theory]
    [InlineData("no-branch", "Remote branch no-such-branch not found in upstream origin")]
    [InlineData("wrong-password", "fatal: Authentication failed for '{private}/'")]
    [InlineData("unreachable", "fatal: unable to access '{unreachable}/': Failed to connect to 127.0.0.1 port")]
    public async Task CloneThatFailsForReal_WaitE2eJob_InitContainerFailedWithGitsOwnLastLines(string job, string gitSays)
    {
        var pipeline = await fixture.PipelineAsync();
        gitSays = gitSays.Replace("{private}", pipeline.PrivateUrl, StringComparison.Ordinal).Replace("{unreachable}", pipeline.UnreachableUrl, StringComparison.Ordinal);
        var run = pipeline.Run(job);
        var pod = Assert.Single(run.PodNames);

        Assert.Equal(("Failed", "InitContainerFailed", "Infrastructure"), (run.Status, run.Reason, run.FailureKind));
        Assert.StartsWith($"Init container clone-repo of pod {pod} exited with code", run.Message, StringComparison.Ordinal);
        // git's own words, as the clone container wrote them to its log, in the run and in Wait-E2eJob's error record.
        Assert.Contains(pipeline.GetE2eLogLines(pod, "clone-repo"), l => l.Contains(gitSays, StringComparison.Ordinal));
        Assert.Contains(gitSays, run.Message, StringComparison.Ordinal);
        var error = Assert.Single(pipeline.Summary.WaitErrors, e => e.Target == job);
        Assert.Equal("InvalidResult", error.Category);
        Assert.Contains(gitSays, error.Message, StringComparison.Ordinal);
        Assert.Contains("Get-E2eDiagnostic", error.RecommendedAction, StringComparison.Ordinal);
        Assert.DoesNotContain(InPodFixture.Password, run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FiftyMegabytesOfOutput_RotatedByTheKubelet_WholeReportComesBack_LogReadsTheSameAsThroughKubectl()
    {
        var pipeline = await fixture.PipelineAsync();
        var run = pipeline.Run("big-output");
        var pod = Assert.Single(run.PodNames);

        Assert.Equal("Found", run.ReportStatus);
        Assert.Equal(
            [("test_writes_50_megabytes", "Passed"), ("test_after_the_output", "Failed")],
            run.Cases.Select(c => (c.Name, c.Outcome)).ToList());
        // The kubelet rotates a log at containerLogMaxSize (the emulator's default, upstream's 10 MiB) and a read that
        // does not follow sees the current file only: Get-E2eLog and kubectl agree on it, a fifth or less of the 50 MB.
        // The report came back whole all the same, since Invoke-E2eTest reads it while it follows the log.
        var lines = SameLines(pipeline, pod, "test-runner");
        Assert.InRange(lines, 1, 200_000);
    }

    [Fact]
    public async Task FiveThousandCases_WholeReportComesBack_LogReadsTheSameAsThroughKubectl()
    {
        var pipeline = await fixture.PipelineAsync();
        var run = pipeline.Run("many");
        var pod = Assert.Single(run.PodNames);
        var host = HostPytest.Run(pipeline.PublicUrl, InPodFixture.Branch, InPodFixture.PytestSample.Jobs["many"]);

        Assert.Equal(host.ExitCode, run.ExitCode);
        Assert.Equal(5000, run.Cases.Count);
        Assert.Equal(LogReport.Cases(host.Report), Cases(run));
        SameLines(pipeline, pod, "test-runner");
    }

    /// <summary>Asserts that Get-E2eLog and kubectl logs read the same lines of a container, and returns how many.</summary>
    private static long SameLines(DesignCardPipeline pipeline, string pod, string container)
    {
        using var ours = pipeline.GetE2eLogLines(pod, container).GetEnumerator();
        using var theirs = pipeline.KubectlLogLines(pod, container).GetEnumerator();
        long n = 0;
        while (true)
        {
            var more = ours.MoveNext();
            Assert.True(more == theirs.MoveNext(), $"after {n} equal lines, {(more ? "Get-E2eLog" : "kubectl logs")} has more");
            if (!more)
            {
                return n;
            }

            if (ours.Current != theirs.Current)
            {
                Assert.Fail($"line {n + 1} differs:\nGet-E2eLog:   {ours.Current}\nkubectl logs: {theirs.Current}");
            }

            n++;
        }
    }

    private static List<CaseView> Cases(RunView run) =>
        run.Cases.Select(c => new CaseView(c.ClassName, c.Name, Enum.Parse<E2eTestOutcome>(c.Outcome), c.Message)).ToList();

    private static XDocument Report(DesignCardPipeline pipeline, RunView run) =>
        XDocument.Load(Path.Combine(pipeline.Out, run.ReportFile ?? throw new InvalidOperationException($"{run.Name} came back without a report.")));
}
