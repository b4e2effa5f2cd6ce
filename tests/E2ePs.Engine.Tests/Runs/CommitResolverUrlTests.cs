using E2ePs.Engine.Runs;
using Xunit;

namespace E2ePs.Engine.Tests.Runs;

/// <summary>
/// Which git remote is the job's repository: the spellings of one repository (as `git remote -v` shows them
/// and as New-E2eJob writes GIT_REPOSITORY) come out the same, and other repositories do not.
/// </summary>
public sealed class CommitResolverUrlTests
{
    [Theory]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo")]
    [InlineData("https://github.com/org/repo/", "https://github.com/org/repo.git")]
    [InlineData("git@github.com:org/repo.git", "https://github.com/org/repo")]
    [InlineData("ssh://git@github.com/org/repo.git", "https://github.com/org/repo")]
    [InlineData("ssh://git@GitHub.com:22/org/repo", "https://github.com/org/repo.git")]
    [InlineData("https://user:token@github.com/org/repo.git", "https://github.com/org/repo")]
    [InlineData("/srv/git/repo.git", "/srv/git/repo")]
    [InlineData("file:///srv/git/repo.git", "/srv/git/repo.git/")]
    public void Spellings_of_one_repository_match(string remote, string manifest) =>
        Assert.Equal(CommitResolver.NormalizeUrl(manifest), CommitResolver.NormalizeUrl(remote));

    [Theory]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/other.git")]
    [InlineData("https://github.com/org/repo.git", "https://gitlab.com/org/repo.git")]
    [InlineData("git@github.com:org/repo.git", "https://github.com/other/repo")]
    [InlineData("/srv/git/repo.git", "/srv/git/other.git")]
    public void Other_repositories_do_not_match(string remote, string manifest) =>
        Assert.NotEqual(CommitResolver.NormalizeUrl(manifest), CommitResolver.NormalizeUrl(remote));

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef01234567", true)]
    [InlineData("0123456789ABCDEF0123456789ABCDEF01234567", true)]
    [InlineData("0123456", false)]
    [InlineData("main", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456g", false)]
    public void Only_a_full_sha_is_taken_as_given(string value, bool full) =>
        Assert.Equal(full, CommitResolver.IsFullSha(value));
}
