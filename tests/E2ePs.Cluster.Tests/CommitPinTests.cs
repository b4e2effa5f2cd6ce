using System.Diagnostics;
using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// A run records what it ran: Start-E2eJob resolves the commit in the job's own git repository (a real
/// one, with a bare repository as its remote) and pins it on the run's Job, or refuses a commit the remote
/// does not have before anything is created.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CommitPinTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("e2eps-commit-").FullName;

    private string Bare => Path.Combine(_root, "remote.git");

    private string Work => Path.Combine(_root, "work");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_pushed_local_head_is_pinned_on_the_runs_job_its_clone_container_and_the_run()
    {
        var head = CreatePushedRepository();
        var (job, ns) = await ScaffoldAsync("pinned");

        var run = await StartAsync(job);

        Assert.Equal(head, run.Commit);
        Assert.Equal((Bare, "main"), (run.Repository, run.Branch));
        Assert.Equal(E2ePs.Naming.JobLayout.RunJobName("test-pinned-e2e", run.RunId), run.JobName);
        var created = await cluster.Observer.BatchV1.ReadNamespacedJobAsync(run.JobName, ns);
        Assert.Equal(head, created.Metadata.Annotations["e2eps.io/commit"]);
        Assert.Equal("main", created.Metadata.Annotations["e2eps.io/branch"]);
        Assert.Equal(Bare, created.Metadata.Annotations["e2eps.io/repository"]);
        Assert.Equal(("pinned", run.RunId), (created.Metadata.Labels["e2eps.io/job"], created.Metadata.Labels["e2eps.io/run-id"]));
        Assert.Equal(("pinned", run.RunId), (created.Spec.Template.Metadata.Labels["e2eps.io/job"], created.Spec.Template.Metadata.Labels["e2eps.io/run-id"]));
        Assert.Equal(head, CloneEnv(created, "GIT_COMMIT"));
    }

    [Fact]
    public async Task A_commit_the_remote_does_not_have_is_refused_and_nothing_is_created()
    {
        CreatePushedRepository();
        var unpushed = Commit("not pushed");
        var (job, ns) = await ScaffoldAsync("unpushed");

        var error = await Assert.ThrowsAsync<E2eException>(() => StartAsync(job));

        Assert.Equal("CommitNotOnRemote", error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidOperation, error.Category);
        Assert.Equal(unpushed, error.Target);
        Assert.Contains("git push origin main", error.RecommendedAction, StringComparison.Ordinal);
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(ns)).Items);
        Assert.DoesNotContain((await cluster.Observer.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items, s => s.Metadata.Name == "test-unpushed-e2e");
    }

    [Fact]
    public async Task Commit_given_as_a_short_sha_is_pinned_in_full()
    {
        var first = CreatePushedRepository();
        Commit("second");
        Git("push", "--quiet", "origin", "main");
        var (job, ns) = await ScaffoldAsync("short");

        var run = await StartAsync(job, commit: first[..8]);

        Assert.Equal(first, run.Commit);
        Assert.Equal(first, CloneEnv(await cluster.Observer.BatchV1.ReadNamespacedJobAsync(run.JobName, ns), "GIT_COMMIT"));
    }

    [Fact]
    public async Task A_commit_below_a_remote_tracking_branch_counts_as_on_the_remote()
    {
        var older = CreatePushedRepository();
        Commit("newer");
        Git("push", "--quiet", "origin", "main");
        Git("checkout", "--quiet", "--detach", older);
        var (job, _) = await ScaffoldAsync("below");

        var run = await StartAsync(job);

        // Not the tip of any ref of the remote, so only "contained in origin/main" can have said yes.
        Assert.DoesNotContain(older, Git("ls-remote", "origin"), StringComparison.Ordinal);
        Assert.Equal(older, run.Commit);
    }

    [Fact]
    public async Task A_commit_pushed_without_a_tracking_branch_is_found_as_a_tip_on_the_remote()
    {
        CreatePushedRepository();
        Git("checkout", "--quiet", "-b", "feature");
        var tip = Commit("feature work");
        // Pushed to the URL, not the remote's name: no origin/feature is written, so only ls-remote sees it.
        Git("push", "--quiet", Bare, "feature");
        var (job, _) = await ScaffoldAsync("tip");

        var run = await StartAsync(job);

        Assert.Empty(Git("branch", "-r", "--contains", tip).Trim());
        Assert.Equal(tip, run.Commit);
    }

    [Fact]
    public async Task Branch_without_commit_pins_that_branchs_tip_on_the_remote()
    {
        CreatePushedRepository();
        Git("checkout", "--quiet", "-b", "other");
        var tip = Commit("on other");
        Git("push", "--quiet", "origin", "other");
        Git("checkout", "--quiet", "main");
        var (job, ns) = await ScaffoldAsync("branch");

        var run = await StartAsync(job, branch: "other");

        Assert.Equal((tip, "other"), (run.Commit, run.Branch));
        Assert.Equal("other", (await cluster.Observer.BatchV1.ReadNamespacedJobAsync(run.JobName, ns)).Metadata.Annotations["e2eps.io/branch"]);
    }

    [Fact]
    public async Task Outside_a_git_repository_nothing_is_pinned_and_the_verbose_line_says_so()
    {
        Directory.CreateDirectory(Work);
        var (job, ns) = await ScaffoldAsync("nogit");
        var said = new List<string>();

        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job, Verbose = said.Add }, CancellationToken.None);

        Assert.Null(run.Commit);
        var created = await cluster.Observer.BatchV1.ReadNamespacedJobAsync(run.JobName, ns);
        Assert.Null(CloneEnv(created, "GIT_COMMIT"));
        Assert.False(created.Metadata.Annotations.ContainsKey("e2eps.io/commit"));
        Assert.Contains(said, l => l.Contains("not in a git repository", StringComparison.Ordinal) && l.Contains("clones the tip of branch main", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_repository_with_a_remote_but_no_commit_pins_nothing_and_says_so()
    {
        // One git call tells the top folder and HEAD's commit; without a commit git prints the folder
        // alone and exits 1, which must read as "no commit yet", not as "not a repository".
        Run(_root, "init", "--quiet", "--bare", "--initial-branch", "main", Bare);
        Directory.CreateDirectory(Work);
        Git("init", "--quiet", "--initial-branch", "main");
        Git("remote", "add", "origin", Bare);
        var (job, ns) = await ScaffoldAsync("nocommit");
        var said = new List<string>();

        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job, Verbose = said.Add }, CancellationToken.None);

        Assert.Null(run.Commit);
        var created = await cluster.Observer.BatchV1.ReadNamespacedJobAsync(run.JobName, ns);
        Assert.Null(CloneEnv(created, "GIT_COMMIT"));
        Assert.Contains(said, l => l.Contains("has no commit yet", StringComparison.Ordinal));
    }

    private Task<E2eRun> StartAsync(E2eJob job, string? commit = null, string? branch = null) =>
        cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job, Commit = commit, Branch = branch }, CancellationToken.None);

    private async Task<(E2eJob Job, string Namespace)> ScaffoldAsync(string name)
    {
        var ns = await cluster.NewNamespaceAsync();
        var image = $"registry.test/e2e/{name}-{ns}:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner" });
        var job = cluster.Scaffold(name, ns, image, r =>
        {
            r.RepositoryRoot = Work;
            r.Repository = Bare;
            r.Branch = "main";
        });
        return (job, ns);
    }

    private static string? CloneEnv(V1Job job, string name) =>
        job.Spec.Template.Spec.InitContainers.Single(c => c.Name == "clone-repo").Env?.FirstOrDefault(e => e.Name == name)?.Value;

    /// <summary>A work tree on main with one commit, pushed to a bare repository that is its origin; returns the commit.</summary>
    private string CreatePushedRepository()
    {
        Run(_root, "init", "--quiet", "--bare", "--initial-branch", "main", Bare);
        Directory.CreateDirectory(Work);
        Git("init", "--quiet", "--initial-branch", "main");
        var first = Commit("first");
        Git("remote", "add", "origin", Bare);
        Git("push", "--quiet", "--set-upstream", "origin", "main");
        return first;
    }

    private string Commit(string message)
    {
        File.WriteAllText(Path.Combine(Work, "change.txt"), message + Guid.NewGuid());
        Git("add", "--all");
        Git("-c", "user.name=E2ePs tests", "-c", "user.email=tests@e2eps.invalid", "commit", "--quiet", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    private string Git(params string[] arguments) => Run(Work, arguments);

    private static string Run(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
        }

        return output.Result;
    }
}
