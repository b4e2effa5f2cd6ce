using E2ePs.Contracts;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

/// <summary>git, found on the environment's PATH and run through the real process runner, in a real repository.</summary>
public sealed class GitRepositoryInfoTests : IDisposable
{
    private readonly TempRepository _repository = new(origin: "https://user:s3cret@git.example.com/team/shop.git", branch: "feature/seams");
    private readonly string _emptyFolder = Directory.CreateTempSubdirectory("e2eps-no-git-").FullName;

    public void Dispose()
    {
        _repository.Dispose();
        Directory.Delete(_emptyFolder, recursive: true);
    }

    private static GitRepositoryInfo Git(IProcessEnvironment environment) => new(new SystemProcessRunner(environment), environment);

    // This process's variables with PATH replaced: what git is found depends on the environment given, not on the process.
    private static DictionaryProcessEnvironment WithPath(string path)
    {
        var variables = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => e.Value as string);
        variables["PATH"] = path;
        return new DictionaryProcessEnvironment(variables);
    }

    [Fact]
    public void Origin_and_branch_come_from_git_in_the_repository()
    {
        var git = Git(new SystemProcessEnvironment());

        Assert.Equal("https://user:s3cret@git.example.com/team/shop.git", git.OriginRemote(_repository.Root));
        Assert.Equal("https://git.example.com/team/shop.git", git.OriginUrl(_repository.Root));
        Assert.Equal("feature/seams", git.CurrentBranch(_repository.Root));
    }

    [Fact]
    public void A_folder_that_is_no_repository_has_no_origin_and_no_branch()
    {
        var git = Git(new SystemProcessEnvironment());

        Assert.Null(git.OriginRemote(_emptyFolder));
        Assert.Null(git.CurrentBranch(_emptyFolder));
    }

    [Fact]
    public void Without_git_on_the_environments_path_nothing_is_known()
    {
        var git = Git(WithPath(_emptyFolder));

        Assert.Null(git.OriginRemote(_repository.Root));
        Assert.Null(git.CurrentBranch(_repository.Root));
    }

    [Fact]
    public void The_scaffolder_asks_for_the_repository_when_the_environment_has_no_git()
    {
        var scaffolder = Scaffolders.Over(WithPath(_emptyFolder));

        var error = Assert.Throws<E2eException>(() => scaffolder.Plan(new NewJobRequest
        {
            Name = "shop",
            TestPath = "tests/e2e/test_shop.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
            Template = "pytest",
        }));

        Assert.Equal("GitRepositoryUnknown", error.ErrorId);
        Assert.Contains("-Repository", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scaffolder_takes_the_registry_and_the_branch_from_its_environment()
    {
        var variables = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH"), ["E2EPS_REGISTRY"] = "registry.example.com:5000/team/" };

        var job = Scaffolders.Over(new DictionaryProcessEnvironment(variables)).Plan(new NewJobRequest
        {
            Name = "shop",
            TestPath = "tests/e2e/test_shop.py",
            RepositoryRoot = _repository.Root,
            TemplateRoot = RepositoryLayout.Templates,
            Template = "pytest",
        }).Job;

        Assert.Equal("registry.example.com:5000/team/test-shop-e2e:latest", job.Image);
        Assert.Equal("feature/seams", job.Branch);
        Assert.Equal("https://git.example.com/team/shop.git", job.Repository);
    }
}
