namespace E2ePs.Engine.Tests.Support;

/// <summary>Paths of the E2ePs repository the tests run from.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Templates => Path.Combine(Root, "templates");

    private static string FindRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "E2ePs.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The tests must run inside the E2ePs repository.");
    }
}
