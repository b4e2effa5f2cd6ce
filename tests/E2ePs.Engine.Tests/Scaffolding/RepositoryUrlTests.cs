using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Manifests;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Tests.Support;

namespace E2ePs.Engine.Tests.Scaffolding;

/// <summary>No credential in a git remote, of any shape, ever reaches the manifest (issue 11, item 2).</summary>
public sealed class RepositoryUrlTests : IDisposable
{
    private const string Secret = "Zq9Secr3tTok";
    private readonly TempRepository _repository = new();
    private readonly JobScaffolder _scaffolder = Scaffolders.ForThisProcess();

    public void Dispose() => _repository.Dispose();

    /// <summary>Remote URLs that carry <see cref="Secret"/>, and the clone URL each must become (null: any URL without it).</summary>
    public static TheoryData<string, string?> UrlsWithCredentials => new()
    {
        { $"ftp://user:{Secret}@git.example.com/org/repo.git", "ftp://git.example.com/org/repo.git" },
        { $"ftps://user:{Secret}@git.example.com/org/repo.git", "ftps://git.example.com/org/repo.git" },
        { $"git://user:{Secret}@git.example.com/org/repo.git", "git://git.example.com/org/repo.git" },
        { $"https://user:{Secret}@git.example.com:notaport/org/repo.git", "https://git.example.com:notaport/org/repo.git" },
        { $"https://git.example.com/org/repo.git?private_token={Secret}", "https://git.example.com/org/repo.git" },
        { $"https://git.example.com/org/repo.git?ref=main&access_token={Secret}", "https://git.example.com/org/repo.git?ref=main" },
        { $"https://git.example.com/org/repo.git?X-Amz-Signature={Secret}&X-Amz-Credential={Secret}", "https://git.example.com/org/repo.git" },
        { $"https://git.example.com/org/repo.git?sig={Secret}", "https://git.example.com/org/repo.git" },
        { $"https://git.example.com/org/repo.git?password={Secret}#frag", "https://git.example.com/org/repo.git#frag" },
        { $"https://git.example.com/org/repo.git?private%5Ftoken={Secret}", "https://git.example.com/org/repo.git" },
        { $"https://git.example.com/org/repo.git#token={Secret}", "https://git.example.com/org/repo.git" },
        { $"https://{Secret}@github.com/org/repo.git", "https://github.com/org/repo.git" },
        { $"https://oauth2:{Secret}@gitlab.example.com/group/sub/repo.git", "https://gitlab.example.com/group/sub/repo.git" },
        { $"https://user:{Secret}@git.example.com:8443/org/repo.git", "https://git.example.com:8443/org/repo.git" },
        { $"https://user:p@ss{Secret}@git.example.com/org/repo.git", "https://git.example.com/org/repo.git" },
        { $"HTTPS://user:{Secret}@Git.Example.com/org/repo.git", "https://Git.Example.com/org/repo.git" },
        { $"http://user:{Secret}@[::1]:8080/org/repo.git", "http://[::1]:8080/org/repo.git" },
        { $"ssh://git:{Secret}@example.com:2222/org/repo.git", "https://example.com/org/repo.git" },
        { $"git+ssh://git:{Secret}@example.com/org/repo.git", "https://example.com/org/repo.git" },
        { $"git:{Secret}@github.com:org/repo.git", "https://github.com/org/repo.git" },
        { $"file://user:{Secret}@/srv/git/repo.git", "file:///srv/git/repo.git" },
        { $"/srv/git/repo.git?token={Secret}", "/srv/git/repo.git" },
        { $"https://user:{Secret}@bad host/with spaces/repo.git", "https://bad host/with spaces/repo.git" },
        { $"weird+scheme://user:{Secret}@host/repo", "weird+scheme://host/repo" },
        { $"user:{Secret}@host:", "https://host/" },
    };

    [Theory]
    [MemberData(nameof(UrlsWithCredentials))]
    public void No_credential_of_a_remote_url_reaches_the_manifest(string url, string? expected)
    {
        var request = Request(url);

        var plan = _scaffolder.Plan(request);

        var manifest = plan.Files[2].Content;
        Assert.DoesNotContain(Secret, manifest, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, plan.Job.Repository, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, string.Join("\n", plan.Warnings), StringComparison.Ordinal);
        Assert.Contains(plan.Warnings, w => w.Contains("credentials", StringComparison.Ordinal));
        if (expected is not null)
        {
            Assert.Equal(expected, EnvValues.Unescape(JobManifest.Parse(manifest, "test").CloneContainer!.Env.Single(e => e.Name == "GIT_REPOSITORY").Value));
            Assert.Equal(expected, plan.Job.Repository);
        }
    }

    [Theory]
    [InlineData($"user:{Secret}@host")]
    [InlineData($"user:{Secret}@host/org/repo.git")]
    public void A_url_whose_token_cannot_be_told_from_its_path_is_refused(string url)
    {
        var error = Assert.Throws<E2eException>(() => _scaffolder.Plan(Request(url)));

        Assert.Equal("RepositoryUrlHasCredentials", error.ErrorId);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, Convert.ToString(error.Target, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("git@github.com:underpass-ai/swe-ai-fleet.git", "https://github.com/underpass-ai/swe-ai-fleet.git")]
    [InlineData("github.com:org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("ssh://git@example.com/org/repo.git", "https://example.com/org/repo.git")]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("https://git.example.com:8443/org/repo.git?ref=main", "https://git.example.com:8443/org/repo.git?ref=main")]
    [InlineData("git://git.example.com/org/repo.git", "git://git.example.com/org/repo.git")]
    [InlineData("/srv/git/repo.git", "/srv/git/repo.git")]
    [InlineData("../sibling/repo", "../sibling/repo")]
    [InlineData("file:///srv/git/repo.git", "file:///srv/git/repo.git")]
    public void Urls_without_credentials_are_kept_and_give_no_warning(string url, string expected)
    {
        var plan = _scaffolder.Plan(Request(url));

        Assert.Equal(expected, plan.Job.Repository);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void A_token_in_the_origin_remote_stays_out_of_the_written_manifest()
    {
        using var repository = new TempRepository(origin: $"git://ci:{Secret}@git.example.com/org/repo.git");
        var request = Request(null);
        request.RepositoryRoot = repository.Root;

        var plan = _scaffolder.Plan(request);
        var job = _scaffolder.Write(plan, force: false);

        Assert.Contains(plan.Warnings, w => w.Contains("credentials", StringComparison.Ordinal) && !w.Contains(Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, File.ReadAllText(job.ManifestPath), StringComparison.Ordinal);
        Assert.Equal("git://git.example.com/org/repo.git", new JobCatalog().Read(job.ManifestPath, repository.Root).Job!.Repository);
    }

    private NewJobRequest Request(string? repository) => new()
    {
        Name = "urls",
        TestPath = "tests/e2e/test_urls.py",
        RepositoryRoot = _repository.Root,
        TemplateRoot = RepositoryLayout.Templates,
        Repository = repository,
    };
}
