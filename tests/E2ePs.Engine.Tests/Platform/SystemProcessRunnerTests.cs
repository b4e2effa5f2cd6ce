using System.Globalization;
using E2ePs.Engine.Platform;

namespace E2ePs.Engine.Tests.Platform;

/// <summary>The real process runner, running /bin/sh: output as it comes, exit codes, and Ctrl+C that leaves nothing behind.</summary>
public sealed class SystemProcessRunnerTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);
    private readonly SystemProcessRunner _runner = new(new SystemProcessEnvironment());

    private static ProcessCommand Shell(string script) => new("/bin/sh", ["-c", script]);

    [Fact]
    public async Task Every_line_reaches_the_caller_and_the_tail_keeps_the_last_ones()
    {
        var folder = Directory.CreateTempSubdirectory("e2eps-runner-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "here.txt"), "in-the-working-directory\n");
            var lines = new List<(string Text, bool IsError)>();
            var command = Shell("cat here.txt; echo oops >&2; i=1; while [ $i -le 30 ]; do echo line-$i; i=$((i+1)); done; exit 3") with { WorkingDirectory = folder };

            var result = await _runner.RunAsync(command, (text, isError) => { lock (lines) { lines.Add((text, isError)); } }, CancellationToken.None);

            Assert.Equal(3, result.ExitCode);
            Assert.Equal("in-the-working-directory", lines.First(l => !l.IsError).Text);
            Assert.Contains(("oops", true), lines);
            Assert.Equal(Enumerable.Range(1, 30).Select(i => $"line-{i}"), lines.Where(l => l.Text.StartsWith("line-", StringComparison.Ordinal)).Select(l => l.Text));
            Assert.Equal(_runner.TailLength, result.Tail.Count);
            // stdout and stderr are two pipes, read side by side: only the order within each is certain.
            Assert.Contains("line-30", result.Tail);
            Assert.DoesNotContain("line-1", result.Tail);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_program_that_does_not_exist_is_not_started()
    {
        var missing = Path.Combine(Path.GetTempPath(), "e2eps-no-such-program-" + Guid.NewGuid().ToString("N"));

        var error = await Assert.ThrowsAsync<ProcessNotStartedException>(() => _runner.RunAsync(new ProcessCommand(missing, []), (_, _) => { }, CancellationToken.None));

        Assert.Equal(missing, error.FileName);
    }

    [Fact]
    public async Task Stdin_is_closed_so_a_program_never_waits_for_an_answer()
    {
        var result = await _runner.RunAsync(Shell("read answer; echo read-$?"), (_, _) => { }, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["read-1"], result.Tail);
    }

    [Fact]
    public async Task Cancelling_stops_the_program_and_every_process_it_started()
    {
        // The shell forks a sleep and says so; the sleep is the process that a kill of the shell alone would leave.
        var marker = Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancellation = new CancellationTokenSource();
        var run = _runner.RunAsync(Shell($"sleep 3{marker} & echo started-{marker}; wait"), (text, _) =>
        {
            if (text == $"started-{marker}")
            {
                started.TrySetResult();
            }
        }, cancellation.Token);

        await started.Task.WaitAsync(s_bound);
        Assert.NotEmpty(ProcessesWith(marker));
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_bound));
        Assert.Empty(ProcessesWith(marker));
    }

    [Theory]
    // proc(5): "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses.
    [InlineData("4242 (sleep) S 1 4100 4100 0 -1 4194560", 'S', 4100)]
    [InlineData("90 (a (b) c) Z 1 5 6 0", 'Z', 6)]
    public void A_proc_stat_line_gives_the_state_and_the_session(string stat, char state, int session)
    {
        Assert.True(ProcessSessions.TryParseStat(stat, out var parsedState, out var parsedSession));
        Assert.Equal((state, session), (parsedState, parsedSession));
    }

    // Every live process whose command line holds "sleep 3<marker>".
    private static List<string> ProcessesWith(string marker) =>
        Directory.EnumerateDirectories("/proc").Where(folder =>
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                return commandLine.Contains($"sleep 3{marker}", StringComparison.Ordinal) && !stat.Contains(") Z ", StringComparison.Ordinal);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }).ToList();
}
