namespace E2ePs.TestSupport;

/// <summary>
/// Turns a folder of tests/samples/ into a git repository (a temporary work tree, branch main), so that
/// tests can add job files, commit, branch and publish it with <see cref="GitHttpServer"/>.
/// </summary>
public sealed class SampleRepository : IDisposable
{
    private SampleRepository(string workTree) => WorkTree = workTree;

    /// <summary>The work tree of the repository.</summary>
    public string WorkTree { get; }

    /// <summary>The folder of the repository's own sources (the one with E2ePs.sln).</summary>
    public static string SourceRoot { get; } = FindSourceRoot();

    /// <summary>tests/samples/&lt;name&gt; of this repository.</summary>
    public static string SampleFolder(string name) => Path.Combine(SourceRoot, "tests", "samples", name);

    /// <summary>A new repository holding the files of tests/samples/<paramref name="sample"/>, committed on main.</summary>
    public static SampleRepository Create(string sample)
    {
        var workTree = Directory.CreateTempSubdirectory($"sample-{sample}-").FullName;
        CopyFolder(SampleFolder(sample), workTree);
        var repository = new SampleRepository(workTree);
        repository.Git("init", "--quiet", "--initial-branch", "main");
        repository.Commit($"The {sample} sample");
        return repository;
    }

    /// <summary>Commits everything in the work tree on the current branch; returns the commit's id.</summary>
    public string Commit(string message)
    {
        Git("add", "--all");
        Git("-c", "user.name=E2ePs tests", "-c", "user.email=tests@e2eps.invalid", "commit", "--quiet", "--allow-empty", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    /// <summary>Creates and checks out a branch.</summary>
    public void Branch(string name) => Git("checkout", "--quiet", "-b", name);

    /// <summary>Runs git in the work tree and returns its output; throws when it fails.</summary>
    public string Git(params string[] arguments) => Tools.Run("git", ["-C", WorkTree, .. arguments]).EnsureSuccess().Output;

    /// <inheritdoc />
    public void Dispose() => Tools.DeleteFolder(WorkTree);

    private static void CopyFolder(string source, string destination)
    {
        foreach (var folder in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, folder)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)));
        }
    }

    private static string FindSourceRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "E2ePs.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No E2ePs.sln above {AppContext.BaseDirectory}.");
    }
}
