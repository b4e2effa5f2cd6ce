using System.Diagnostics;
using E2ePs.Contracts;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

/// <summary>
/// New-E2eJob -Force that cannot replace one of the files leaves every file as it was, no temporary
/// or backup file anywhere, and names the file that failed (issue 11, item 10).
/// </summary>
public sealed class FailedWriteTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly JobScaffolder _scaffolder = Scaffolders.ForThisProcess();

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_repository.Root, "*", SearchOption.AllDirectories))
        {
            Chattr("-i", file, throwOnFailure: false);
        }

        _repository.Dispose();
    }

    public static TheoryData<int> EachFile => new() { 0, 1, 2 };

    [ImmutableFileTheory]
    [MemberData(nameof(EachFile))]
    public void An_immutable_file_fails_the_write_and_changes_nothing(int index)
    {
        var first = _scaffolder.Write(_scaffolder.Plan(Request("tests/e2e/test_first.py")), force: false);
        var plan = _scaffolder.Plan(Request("tests/e2e/test_second.py"));
        var target = plan.Files[index].Path;
        var before = Snapshot();
        Chattr("+i", target, throwOnFailure: true);

        var error = Assert.Throws<E2eException>(() => _scaffolder.Write(plan, force: true));

        Chattr("-i", target, throwOnFailure: true);
        Assert.Equal("JobFilesWriteFailed", error.ErrorId);
        Assert.Equal(target, error.Target);
        Assert.Contains(target, error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", error.Message, StringComparison.Ordinal);
        AssertUnchanged(before);
        Assert.Contains("test_first.py", File.ReadAllText(first.ManifestPath), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EachFile))]
    public void A_folder_where_a_file_should_be_fails_the_write_and_changes_nothing(int index)
    {
        _scaffolder.Write(_scaffolder.Plan(Request("tests/e2e/test_first.py")), force: false);
        var plan = _scaffolder.Plan(Request("tests/e2e/test_second.py"));
        var target = plan.Files[index].Path;
        File.Delete(target);
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "inside"), "kept");
        var before = Snapshot();

        var error = Assert.Throws<E2eException>(() => _scaffolder.Write(plan, force: true));

        Assert.Equal("JobFilesWriteFailed", error.ErrorId);
        Assert.Equal(target, error.Target);
        AssertUnchanged(before);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(target, "inside")));
    }

    [Fact]
    public void A_failure_on_a_new_job_removes_the_folders_it_created_and_every_temporary_file()
    {
        var plan = _scaffolder.Plan(Request("tests/e2e/test_first.py"));
        Directory.CreateDirectory(plan.Files[2].Path);
        var before = Snapshot();

        var error = Assert.Throws<E2eException>(() => _scaffolder.Write(plan, force: false));

        Assert.Equal(plan.Files[2].Path, error.Target);
        AssertUnchanged(before);
        Assert.False(Directory.Exists(Path.GetDirectoryName(plan.Files[0].Path)), "the job folder it created must be removed");
    }

    /// <summary>Every file of the repository (git's own folder aside) with its bytes and mode.</summary>
    private Dictionary<string, (byte[] Bytes, UnixFileMode Mode)> Snapshot() =>
        Directory.EnumerateFiles(_repository.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => f, f => (File.ReadAllBytes(f), OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(f)));

    private void AssertUnchanged(Dictionary<string, (byte[] Bytes, UnixFileMode Mode)> before)
    {
        var after = Snapshot();
        Assert.Empty(Directory.EnumerateFileSystemEntries(_repository.Root, "*.e2eps-*", SearchOption.AllDirectories));
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, (bytes, mode)) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[path].Bytes), $"{path} changed");
            Assert.Equal(mode, after[path].Mode);
        }
    }

    private NewJobRequest Request(string testPath) => new()
    {
        Name = "immutable",
        TestPath = testPath,
        RepositoryRoot = _repository.Root,
        TemplateRoot = RepositoryLayout.Templates,
        Repository = "https://github.com/example/shop.git",
    };

    internal static bool Chattr(string flag, string path, bool throwOnFailure)
    {
        var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(path);
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && throwOnFailure)
            {
                throw new InvalidOperationException($"chattr {flag} {path} failed: {stderr}");
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) when (!throwOnFailure)
        {
            return false;
        }
    }
}

/// <summary>
/// A theory that makes a file immutable with chattr +i, which needs root and a file system with the
/// attribute (ext4, xfs, btrfs). Skipped elsewhere, except in CI (CI=true), where it must run.
/// </summary>
public sealed class ImmutableFileTheoryAttribute : TheoryAttribute
{
    public ImmutableFileTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true" || CanMakeImmutable())
        {
            return;
        }

        Skip = "chattr +i does not work here (it needs root and ext4, xfs or btrfs).";
    }

    private static bool CanMakeImmutable()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root")
        {
            return false;
        }

        var probe = Path.Combine(Path.GetTempPath(), $"e2eps-chattr-{Guid.NewGuid():N}");
        File.WriteAllText(probe, "");
        try
        {
            return FailedWriteTests.Chattr("+i", probe, throwOnFailure: false) && FailedWriteTests.Chattr("-i", probe, throwOnFailure: false);
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
