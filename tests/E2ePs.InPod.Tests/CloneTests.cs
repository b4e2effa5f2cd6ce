using E2ePs.Engine.Manifests;
using E2ePs.TestSupport;

namespace E2ePs.InPod.Tests;

/// <summary>
/// The clone-repo init container of templates/job-manifest.yaml, run for real: the image the manifest
/// names (docker.io/alpine/git, found on the mirror), the manifest's command, args and env exactly as
/// New-E2eJob generates them, as UID 1000 into an fsGroup-owned emptyDir, against a git server on
/// 127.0.0.1 with a public and a private (HTTP Basic) path.
/// </summary>
[Collection(InPodCollection.Name)]
[Trait("Tier", "Full")]
public sealed class CloneTests(InPodFixture fixture) : IDisposable
{
    private readonly List<IDisposable> _cleanup = [];

    [Fact]
    public void Clone_PublicRepository_ChecksOutTheBranchAsUid1000()
    {
        var manifest = fixture.Manifest(fixture.Pytest, "outcomes", fixture.Pytest.PublicUrl, InPodFixture.Branch);

        var (exit, volumes) = RunClone(manifest);

        Assert.True(exit.ExitCode == 0, exit.Text);
        var source = Path.Combine(volumes.HostFolder("workspace"), "src");
        Assert.True(File.Exists(Path.Combine(source, "BRANCH_MARKER.txt")), "the branch's own file is missing: another branch was cloned");
        Assert.Equal(fixture.Pytest.BranchCommit, Tools.Run("git", ["-c", "safe.directory=*", "-C", source, "rev-parse", "HEAD"]).EnsureSuccess().Output.Trim());
        Assert.Contains($"Cloning branch {InPodFixture.Branch} of {fixture.Pytest.PublicUrl}", exit.Text);
        Assert.Contains($"Cloned commit {fixture.Pytest.BranchCommit[..7]}", exit.Text);
        // The pod runs as UID 1000: the clone must belong to it, or the test container (also UID 1000)
        // would meet git's "dubious ownership" check.
        Assert.Equal("1000", Tools.Run("stat", ["-c", "%u", source]).EnsureSuccess().Output.Trim());
    }

    [Fact]
    public void Clone_PrivateRepository_ReadsCredentialsFromTheMountedSecret()
    {
        var manifest = fixture.Manifest(fixture.Pytest, "private", fixture.Pytest.PrivateUrl, InPodFixture.Branch, InPodFixture.CredentialSecret);
        var before = fixture.Git.Requests.Count;

        var (exit, volumes) = RunClone(manifest, InPodFixture.Username, InPodFixture.Password);

        Assert.True(exit.ExitCode == 0, exit.Text);
        Assert.True(File.Exists(Path.Combine(volumes.HostFolder("workspace"), "src", "BRANCH_MARKER.txt")));
        var requests = fixture.Git.Requests.Skip(before).ToList();
        // git asked without credentials first, was refused, asked its helper and came back with them.
        Assert.Contains(requests, r => r.StartsWith("GET /private/pytest-sample.git/info/refs", StringComparison.Ordinal) && r.EndsWith(" 401", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.StartsWith("POST /private/pytest-sample.git/git-upload-pack", StringComparison.Ordinal) && r.EndsWith(" 200", StringComparison.Ordinal));
        Assert.DoesNotContain(InPodFixture.Password, exit.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_PrivateRepositoryWithWrongPassword_FailsWithGitsMessage()
    {
        var manifest = fixture.Manifest(fixture.Pytest, "private", fixture.Pytest.PrivateUrl, InPodFixture.Branch, InPodFixture.CredentialSecret);

        var (exit, _) = RunClone(manifest, InPodFixture.Username, "wrong");

        Assert.NotEqual(0, exit.ExitCode);
        Assert.Contains($"fatal: Authentication failed for '{fixture.Pytest.PrivateUrl}/'", exit.Text);
    }

    [Fact]
    public void Clone_PrivateRepositoryWithoutSecret_FailsWithoutPrompting()
    {
        // No -GitCredentialSecret: GIT_TERMINAL_PROMPT=0 must make git fail rather than wait for a terminal.
        var manifest = fixture.Manifest(fixture.Pytest, "private", fixture.Pytest.PrivateUrl, InPodFixture.Branch);

        var (exit, _) = RunClone(manifest);

        Assert.NotEqual(0, exit.ExitCode);
        Assert.Contains("terminal prompts disabled", exit.Text);
    }

    [Fact]
    public void Clone_BranchThatDoesNotExist_FailsWithGitsMessage()
    {
        var manifest = fixture.Manifest(fixture.Pytest, "outcomes", fixture.Pytest.PublicUrl, "no-such-branch");

        var (exit, volumes) = RunClone(manifest);

        Assert.NotEqual(0, exit.ExitCode);
        Assert.Contains("Remote branch no-such-branch not found in upstream origin", exit.Text);
        Assert.False(Directory.Exists(Path.Combine(volumes.HostFolder("workspace"), "src", ".git")), "a failed clone left a repository for the test container");
    }

    [Fact]
    public void Clone_UnreachableHost_FailsWithGitsMessage()
    {
        var port = LocalRegistry.FreePort();
        var manifest = fixture.Manifest(fixture.Pytest, "outcomes", $"http://127.0.0.1:{port}/public/pytest-sample.git", InPodFixture.Branch);

        var (exit, _) = RunClone(manifest);

        Assert.NotEqual(0, exit.ExitCode);
        Assert.Contains($"Failed to connect to 127.0.0.1 port {port}", exit.Text);
    }

    [Fact]
    public void Clone_PinnedCommitOfABranchThatMovedSince_ChecksOutThePinnedCommit()
    {
        // A repository of its own: the fixture's sample stays as the other tests expect it.
        var repository = SampleRepository.Create("pytest");
        _cleanup.Add(repository);
        repository.Branch(InPodFixture.Branch);
        var pinned = repository.Commit("the commit Start-E2eJob resolved");
        var name = "moved-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Git.Publish(repository.WorkTree, name, isPrivate: false);
        File.WriteAllText(Path.Combine(repository.WorkTree, "MOVED.txt"), "pushed after the run was started\n");
        var moved = repository.Commit("pushed after Start");
        repository.Git("push", "--quiet", Path.Combine(fixture.Git.Root, "public", name + ".git"), InPodFixture.Branch);
        var manifest = fixture.Manifest(fixture.Pytest, "outcomes", fixture.Git.PublicUrl(name), InPodFixture.Branch);
        E2ePs.Engine.Runs.RunStamp.Record(manifest.Job, manifest.CloneContainer, fixture.Git.PublicUrl(name), InPodFixture.Branch, pinned);

        var (exit, volumes) = RunClone(manifest);

        Assert.True(exit.ExitCode == 0, exit.Text);
        Assert.NotEqual(pinned, moved);
        var source = Path.Combine(volumes.HostFolder("workspace"), "src");
        Assert.Equal(pinned, Tools.Run("git", ["-c", "safe.directory=*", "-C", source, "rev-parse", "HEAD"]).EnsureSuccess().Output.Trim());
        Assert.False(File.Exists(Path.Combine(source, "MOVED.txt")), "the branch's new tip was checked out instead of the pinned commit");
        Assert.Contains($"Checked out commit {pinned}", exit.Text);
        Assert.Equal("1000", Tools.Run("stat", ["-c", "%u", source]).EnsureSuccess().Output.Trim());
    }

    [Fact]
    public void Clone_PinnedCommitTheServerDoesNotHave_FailsWithGitsMessage()
    {
        const string missing = "0123456789abcdef0123456789abcdef01234567";
        var manifest = fixture.Manifest(fixture.Pytest, "outcomes", fixture.Pytest.PublicUrl, InPodFixture.Branch);
        E2ePs.Engine.Runs.RunStamp.Record(manifest.Job, manifest.CloneContainer, fixture.Pytest.PublicUrl, InPodFixture.Branch, missing);

        var (exit, _) = RunClone(manifest);

        Assert.NotEqual(0, exit.ExitCode);
        // git's own words first (upload-pack refuses an object it does not have), then what to do.
        Assert.Contains("fatal:", exit.Text);
        Assert.Contains(missing, exit.Text);
        Assert.Contains($"Commit {missing} is not in {fixture.Pytest.PublicUrl}", exit.Text);
        Assert.DoesNotContain("Checked out commit", exit.Text);
    }

    public void Dispose()
    {
        foreach (var item in _cleanup)
        {
            item.Dispose();
        }
    }

    /// <summary>Prepares the pod's volumes (the Secret with these credentials, if it mounts one) and runs clone-repo.</summary>
    private (ContainerExit Exit, PodVolumes Volumes) RunClone(JobManifest manifest, string? username = null, string? password = null)
    {
        var pod = manifest.Job.Spec.Template.Spec;
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        if (username is not null && password is not null)
        {
            secrets[InPodFixture.CredentialSecret] = new Dictionary<string, string> { ["username"] = username, ["password"] = password };
        }

        var volumes = new PodVolumes(pod, secrets);
        _cleanup.Add(volumes);
        var clone = manifest.CloneContainer!;
        var exit = fixture.Containers.Run(pod, clone, clone.Image, volumes, Path.Combine(volumes.Folder, "clone-repo.log"));
        return (exit, volumes);
    }
}
