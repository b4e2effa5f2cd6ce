using System.Text.Json;
using E2ePs.Contracts;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Reporting;
using E2ePs.Models;

namespace E2ePs.Results.Tests;

/// <summary>The lines each CI system gets, and only when its variable is set.</summary>
public sealed class ReporterTests : IDisposable
{
    private readonly string _summary = Path.Combine(Path.GetTempPath(), $"e2eps-summary-{Guid.NewGuid():N}.md");

    public void Dispose() => File.Delete(_summary);

    private static E2eRun FailedRun() => new()
    {
        Name = "shop",
        JobName = "test-shop-e2e",
        Namespace = "e2e",
        Status = E2eRunStatus.Failed,
        Reason = "BackoffLimitExceeded",
        ExitCode = 1,
        Attempt = 1,
        TestResult = new E2eTestResult
        {
            ReportStatus = E2eTestReportStatus.Found,
            Cases =
            [
                new E2eTestCase { Name = "test_health", ClassName = "tests.shop", Outcome = E2eTestOutcome.Passed },
                new E2eTestCase { Name = "test_checkout", ClassName = "tests.shop", Outcome = E2eTestOutcome.Failed, FailureMessage = "assert 500 == 200; 100% broken]\nsee log" },
            ],
        },
    };

    // The reporters read the CI variables through the process environment seam, here one made of the test's table.
    private static IResultReporter Reporter(Dictionary<string, string?> environment, ResultLogFormat format = ResultLogFormat.Text) =>
        new ResultReporters(new DictionaryProcessEnvironment(environment)).Create(new ResultReporterOptions { LogFormat = format });

    private static List<string> Everything(IResultReporter reporter, E2eRun run, string? file)
    {
        var line = new E2eLogLine { Pod = "test-shop-e2e-abc", Container = "test-runner", Message = "1 failed" };
        return
        [
            .. reporter.LogStarted(run, exclusive: true),
            .. reporter.LogLine(run, line, exclusive: true),
            .. reporter.LogEnded(run, exclusive: true),
            .. reporter.Warning("NoTestReport", "no report"),
            .. reporter.RunFinished(run, file),
            .. reporter.Error("E2eRunFailed", "failed"),
            .. reporter.Completed([run], 0),
        ];
    }

    [Fact]
    public void Without_a_ci_variable_the_output_is_plain()
    {
        var reporter = Reporter(new() { ["PATH"] = "/usr/bin" });

        var lines = Everything(reporter, FailedRun(), "/tmp/TEST-test-shop-e2e.xml");

        Assert.Equal(ResultCiSystem.None, reporter.System);
        Assert.Equal(["1 failed"], lines);
    }

    [Fact]
    public void Under_azure_devops_there_are_groups_issues_a_publish_and_a_failed_task_result()
    {
        var reporter = Reporter(new() { ["TF_BUILD"] = "True" });

        var lines = Everything(reporter, FailedRun(), "/agent/_temp/e2eps/TEST-test-shop-e2e.xml");

        Assert.Equal(ResultCiSystem.AzureDevOps, reporter.System);
        Assert.Equal("##[group]Log of test-shop-e2e (attempt 1)", lines[0]);
        Assert.Equal("1 failed", lines[1]);
        Assert.Equal("##[endgroup]", lines[2]);
        Assert.Equal("##vso[task.logissue type=warning;code=NoTestReport;]no report", lines[3]);
        Assert.Equal("##[group]test-shop-e2e Failed (BackoffLimitExceeded): 1 passed, 1 failed, 0 skipped", lines[4]);
        Assert.Equal("FAILED tests.shop.test_checkout: assert 500 == 200; 100% broken] see log", lines[5]);
        Assert.Equal("##[endgroup]", lines[6]);
        // The failure message is escaped: % first, then the line break; ; and ] are safe in the message part.
        Assert.Equal("##vso[task.logissue type=error;code=TestFailed;]test-shop-e2e: tests.shop.test_checkout: assert 500 == 200; 100%AZP25 broken]%0Asee log", lines[7]);
        Assert.Equal("##vso[results.publish type=JUnit;mergeResults=false;publishRunAttachments=true;runTitle=E2E shop (e2e);resultFiles=/agent/_temp/e2eps/TEST-test-shop-e2e.xml;]", lines[8]);
        Assert.Equal("##vso[task.logissue type=error;code=E2eRunFailed;]failed", lines[9]);
        Assert.Equal("##vso[task.complete result=Failed;]1 of 1 E2E run(s) failed, 0 error(s).", lines[10]);
        Assert.Equal(11, lines.Count);
    }

    [Fact]
    public void Under_azure_devops_a_pass_after_a_retry_succeeds_with_issues_and_a_clean_pass_sets_nothing()
    {
        var reporter = Reporter(new() { ["TF_BUILD"] = "True" });
        var clean = new E2eRun { JobName = "test-a-e2e", Status = E2eRunStatus.Succeeded, Attempt = 1 };
        var retried = new E2eRun { JobName = "test-b-e2e", Status = E2eRunStatus.Succeeded, Attempt = 2 };

        Assert.Empty(reporter.Completed([clean], 0));
        Assert.Equal(["##vso[task.complete result=SucceededWithIssues;]1 of 2 E2E run(s) passed only after a retry."], reporter.Completed([clean, retried], 0));
        Assert.StartsWith("##vso[task.complete result=Failed;]", reporter.Completed([clean], 1)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Azure_property_values_escape_percent_line_breaks_semicolons_and_brackets()
    {
        Assert.Equal("a%3Bb%5Dc%AZP25d%0De%0Af", CommandEscaping.AzureProperty("a;b]c%d\re\nf"));
        Assert.Equal("a;b]c%AZP25d%0De%0Af", CommandEscaping.AzureData("a;b]c%d\re\nf"));
    }

    [Fact]
    public void GitHub_values_escape_percent_line_breaks_and_in_properties_colons_and_commas()
    {
        Assert.Equal("a%3Ab%2Cc%25d%0De%0Af", CommandEscaping.GitHubProperty("a:b,c%d\re\nf"));
        Assert.Equal("a:b,c%25d%0De%0Af", CommandEscaping.GitHubData("a:b,c%d\re\nf"));
    }

    [Fact]
    public void Pod_output_that_looks_like_a_command_is_neutralized()
    {
        var run = FailedRun();
        var azure = Reporter(new() { ["TF_BUILD"] = "True" });
        var github = Reporter(new() { ["GITHUB_ACTIONS"] = "true" });
        var spoof = new E2eLogLine { Pod = "p", Container = "test-runner", Message = "ok ##vso[task.complete result=Succeeded;]done" };
        var spoofGitHub = new E2eLogLine { Pod = "p", Container = "test-runner", Message = "  ::add-mask::x" };

        var azureLine = Assert.Single(azure.LogLine(run, spoof, exclusive: true));
        var githubLine = Assert.Single(github.LogLine(run, spoofGitHub, exclusive: true));

        Assert.DoesNotContain("##vso[", azureLine, StringComparison.Ordinal);
        Assert.Equal(spoof.Message, azureLine.Replace("\u200B", "", StringComparison.Ordinal));
        Assert.False(githubLine.TrimStart().StartsWith("::", StringComparison.Ordinal));
    }

    [Fact]
    public void Under_github_actions_there_are_groups_annotations_and_a_step_summary()
    {
        var reporter = Reporter(new() { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = _summary });

        var lines = Everything(reporter, FailedRun(), null);

        Assert.Equal(ResultCiSystem.GitHubActions, reporter.System);
        Assert.Equal(
        [
            "::group::Log of test-shop-e2e (attempt 1)",
            "1 failed",
            "::endgroup::",
            "::warning title=NoTestReport::no report",
            "::group::test-shop-e2e Failed (BackoffLimitExceeded): 1 passed, 1 failed, 0 skipped",
            "FAILED tests.shop.test_checkout: assert 500 == 200; 100% broken] see log",
            "::endgroup::",
            "::error title=TestFailed::test-shop-e2e: tests.shop.test_checkout: assert 500 == 200; 100%25 broken]%0Asee log",
            "::error title=E2eRunFailed::failed",
        ], lines);
        Assert.DoesNotContain(lines, l => l.Contains("##vso", StringComparison.Ordinal));
        var summary = File.ReadAllText(_summary);
        Assert.Contains("### E2E tests: 0 of 1 run(s) passed", summary, StringComparison.Ordinal);
        Assert.Contains("| test-shop-e2e | e2e | ❌ Failed (BackoffLimitExceeded) | 1 | 1 | 0 | 1 |", summary, StringComparison.Ordinal);
        Assert.Contains("- `test-shop-e2e` tests.shop.test_checkout: assert 500 == 200; 100% broken] see log", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Azure_devops_wins_when_both_variables_are_set_and_an_explicit_choice_wins_over_both()
    {
        var both = new Dictionary<string, string?> { ["TF_BUILD"] = "True", ["GITHUB_ACTIONS"] = "true" };

        Assert.Equal(ResultCiSystem.AzureDevOps, Reporter(both).System);
        Assert.Equal(ResultCiSystem.None, new ResultReporters(new DictionaryProcessEnvironment(both)).Create(new ResultReporterOptions { CiSystem = ResultCiSystem.None }).System);
        Assert.Equal(ResultCiSystem.None, Reporter(new() { ["TF_BUILD"] = "" }).System);
    }

    [Fact]
    public void An_environment_in_the_options_replaces_the_engines_own()
    {
        var reporters = new ResultReporters(new DictionaryProcessEnvironment(new Dictionary<string, string?> { ["TF_BUILD"] = "True" }));

        Assert.Equal(ResultCiSystem.AzureDevOps, reporters.Create(new ResultReporterOptions()).System);
        Assert.Equal(ResultCiSystem.GitHubActions, reporters.Create(new ResultReporterOptions { Environment = new Dictionary<string, string?> { ["GITHUB_ACTIONS"] = "true" } }).System);
        Assert.Equal(ResultCiSystem.None, reporters.Create(new ResultReporterOptions { Environment = new Dictionary<string, string?>() }).System);
    }

    [Theory]
    // Azure Pipelines' predefined variables Common.TestResultsDirectory and Agent.TempDirectory, as the agent exports them.
    [InlineData("/agent/_work/_temp/TestResults", "/agent/_work/_temp", "/agent/_work/_temp/TestResults/e2eps")]
    [InlineData(null, "/agent/_work/_temp", "/agent/_work/_temp/e2eps")]
    public void Azure_devops_keeps_reports_in_the_agents_folders(string? testResults, string? temp, string folder)
    {
        var reporter = Reporter(new() { ["TF_BUILD"] = "True", ["COMMON_TESTRESULTSDIRECTORY"] = testResults, ["AGENT_TEMPDIRECTORY"] = temp });

        Assert.Equal(folder, reporter.ReportFolder);
    }

    [Fact]
    public void Outside_azure_devops_no_report_folder_is_chosen()
    {
        Assert.Null(Reporter(new() { ["GITHUB_ACTIONS"] = "true", ["COMMON_TESTRESULTSDIRECTORY"] = "/x" }).ReportFolder);
        Assert.Null(Reporter(new() { ["COMMON_TESTRESULTSDIRECTORY"] = "/x" }).ReportFolder);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "e2eps"), Reporter(new() { ["TF_BUILD"] = "True" }).ReportFolder);
    }

    [Fact]
    public void Json_log_lines_are_one_object_each_with_the_fields_collectors_need()
    {
        var reporter = Reporter(new(), ResultLogFormat.Json);
        var run = FailedRun();
        var time = new DateTimeOffset(2026, 1, 28, 10, 0, 0, TimeSpan.Zero);
        var line = new E2eLogLine { Pod = "test-shop-e2e-abc", Container = "test-runner", Timestamp = time, Message = "quote \" and\nnewline" };

        var text = Assert.Single(reporter.LogLine(run, line, exclusive: false));

        Assert.DoesNotContain('\n', text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal("2026-01-28T10:00:00.0000000+00:00", json.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal("test-shop-e2e", json.RootElement.GetProperty("job").GetString());
        Assert.Equal("test-shop-e2e-abc", json.RootElement.GetProperty("pod").GetString());
        Assert.Equal("test-runner", json.RootElement.GetProperty("container").GetString());
        Assert.Equal("quote \" and\nnewline", json.RootElement.GetProperty("message").GetString());
        Assert.Contains("+00:00", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_log_lines_name_their_job_when_runs_interleave_and_carry_timestamps_when_asked()
    {
        var run = FailedRun();
        var line = new E2eLogLine { Pod = "p", Container = "test-runner", Timestamp = new DateTimeOffset(2026, 1, 28, 10, 0, 0, TimeSpan.Zero), Message = "hello" };

        Assert.Equal("[shop] hello", new LogFormatter(ResultLogFormat.Text, false).Format(run, line, exclusive: false));
        Assert.Equal("2026-01-28T10:00:00.000Z hello", new LogFormatter(ResultLogFormat.Text, true).Format(run, line, exclusive: true));
    }
}
