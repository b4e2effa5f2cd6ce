using E2ePs.Engine.Images;

namespace E2ePs.Images.Tests;

/// <summary>The content tag follows what the image is made of, and nothing else.</summary>
public sealed class ContentTagTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("content-tag-").FullName;
    private readonly string _dockerfile;

    public ContentTagTests()
    {
        Write("jobs/test-a-e2e/Dockerfile", "FROM base\nCOPY jobs/test-a-e2e/run.sh /app/run.sh\nCOPY lib/ /app/lib/\nCOPY conf/*.ini /etc/\n");
        Write("jobs/test-a-e2e/run.sh", "echo run\n");
        Write("lib/one.py", "1\n");
        Write("lib/cache.pyc", "x\n");
        Write("conf/a.ini", "a\n");
        Write("conf/b.txt", "b\n");
        Write("src/unrelated.py", "u\n");
        Write(".dockerignore", "**/*.pyc\n");
        _dockerfile = Path.Combine(_root, "jobs/test-a-e2e/Dockerfile");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private string Tag(IReadOnlyDictionary<string, string>? arguments = null) => ContentTag.Compute(_root, _dockerfile, arguments);

    [Fact]
    public void IsStable_AndShapedLikeATag()
    {
        Assert.Equal(Tag(), Tag());
        Assert.Matches("^content-[0-9a-f]{16}$", Tag());
    }

    [Fact]
    public void IgnoresFilesTheBuildDoesNotCopy()
    {
        var before = Tag();
        Write("src/unrelated.py", "changed\n");
        Write("conf/b.txt", "changed\n");
        Write("lib/cache.pyc", "changed, but .dockerignore leaves it out\n");
        Write("README.md", "new\n");

        Assert.Equal(before, Tag());
    }

    [Theory]
    [InlineData("jobs/test-a-e2e/Dockerfile", "FROM base\nCOPY jobs/test-a-e2e/run.sh /app/run.sh\nCOPY lib/ /app/lib/\nCOPY conf/*.ini /etc/\nENV X=1\n")]
    [InlineData("jobs/test-a-e2e/run.sh", "echo changed\n")]
    [InlineData("lib/one.py", "2\n")]
    [InlineData("lib/sub/two.py", "new file in a copied folder\n")]
    [InlineData("conf/c.ini", "a new file that matches a wildcard\n")]
    public void ChangesWhenTheDockerfileOrACopiedFileChanges(string relative, string content)
    {
        var before = Tag();
        Write(relative, content);

        Assert.NotEqual(before, Tag());
    }

    [Fact]
    public void ChangesWithBuildArgumentsAndTheExecutableBit()
    {
        var before = Tag();
        Assert.NotEqual(before, Tag(new Dictionary<string, string> { ["V"] = "1" }));
        Assert.NotEqual(Tag(new Dictionary<string, string> { ["V"] = "1" }), Tag(new Dictionary<string, string> { ["V"] = "2" }));

        File.SetUnixFileMode(Path.Combine(_root, "jobs/test-a-e2e/run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.NotEqual(before, Tag());
    }
}
