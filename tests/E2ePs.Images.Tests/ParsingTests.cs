using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.Engine.Platform;

namespace E2ePs.Images.Tests;

/// <summary>Dockerfile sources, .dockerignore, the engines' output and command lines.</summary>
public sealed class ParsingTests
{
    [Fact]
    public void DockerfileSources_ReadsCopyAndAddButNotCopyFrom()
    {
        var sources = DockerfileSources.Parse("""
            # syntax=docker/dockerfile:1
            FROM python:3.13-slim AS base
            COPY --chown=1000:1000 jobs/a/run.py \
                 jobs/a/lib/ /app/
            copy ["jobs/b with space.txt", "/b"]
            ADD https://example.com/x.tgz /x
            COPY --from=base /etc/passwd /p
            RUN echo COPY not/this /x
            ADD --chmod=755 tools/*.sh /tools/
            """);

        Assert.Equal(["jobs/a/run.py", "jobs/a/lib/", "jobs/b with space.txt", "https://example.com/x.tgz", "tools/*.sh"], sources);
    }

    [Theory]
    // proc(5): "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses.
    [InlineData("4242 (sleep) S 1 4100 4100 0 -1 4194560", 'S', 4100)]
    [InlineData("77 (buildah-chroot-exec) R 70 70 70 0 -1", 'R', 70)]
    [InlineData("90 (a (b) c) Z 1 5 6 0", 'Z', 6)]
    public void ProcStat_GivesTheStateAndTheSession(string stat, char state, int session)
    {
        Assert.True(ProcessSessions.TryParseStat(stat, out var parsedState, out var parsedSession));
        Assert.Equal((state, session), (parsedState, parsedSession));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 sleep S 1")]
    [InlineData("4242 (sleep) S 1 2")]
    public void ProcStat_RejectsWhatIsNotAStatLine(string stat) =>
        Assert.False(ProcessSessions.TryParseStat(stat, out _, out _));

    [Fact]
    public void WorkingContainers_AreBuildahsBuildersAndPodmansStorageContainers()
    {
        // As `buildah containers --json` and `podman ps --all --external --format json` print them.
        Assert.Equal(["b1"], EngineCommands.ParseWorkingContainers("buildah", """
            [{"id":"b1","builder":true,"imageid":"e4","imagename":"localhost/base:1","containername":"base-working-container"},
             {"id":"b2","builder":false,"containername":"a-podman-one"}]
            """));
        Assert.Empty(EngineCommands.ParseWorkingContainers("buildah", "null"));
        Assert.Equal(["p1"], EngineCommands.ParseWorkingContainers("podman", """
            [{"Id":"p1","Names":["base-working-container"],"Command":["buildah"],"State":"storage","Status":"Storage"},
             {"Id":"p2","Names":["web"],"State":"running"}]
            """));
        Assert.Empty(EngineCommands.ParseWorkingContainers("podman", "[]"));
        Assert.Null(EngineCommands.ListWorkingContainers("docker"));
    }

    [Fact]
    public void DockerIgnore_LastMatchWins_AndFoldersExcludeTheirContents()
    {
        var ignore = DockerIgnore.Parse("# comment\n**/*.pyc\nbuild\n!build/keep.txt\n/docs/*.md\n");

        Assert.True(ignore.IsExcluded("a/b/c.pyc"));
        Assert.True(ignore.IsExcluded("x.pyc"));
        Assert.True(ignore.IsExcluded("build/out/lib.so"));
        Assert.False(ignore.IsExcluded("build/keep.txt"));
        Assert.True(ignore.IsExcluded("docs/readme.md"));
        Assert.False(ignore.IsExcluded("docs/sub/readme.md"));
        Assert.False(ignore.IsExcluded("src/app.py"));
    }

    [Theory]
    [InlineData("STEP 3/7: RUN pip install pytest", 3, 7)]
    [InlineData("[2/2] STEP 1/4: FROM python:3.13-slim", 1, 4)]
    [InlineData("Step 3/7 : RUN pip install pytest", 3, 7)]
    [InlineData("#5 [3/7] RUN pip install pytest", 3, 7)]
    [InlineData("#7 [builder 2/5] COPY . .", 2, 5)]
    public void Steps_AreReadFromEachEnginesOutput(string line, int step, int count)
    {
        Assert.True(BuildOutput.TryParseStep(line, out var parsedStep, out var parsedCount));
        Assert.Equal((step, count), (parsedStep, parsedCount));
    }

    [Theory]
    [InlineData("--> fa459a7b284")]
    [InlineData("#5 [internal] load build definition from Dockerfile")]
    [InlineData("COMMIT")]
    public void OtherLines_AreNoSteps(string line) => Assert.False(BuildOutput.TryParseStep(line, out _, out _));

    [Fact]
    public void DockerPushOutput_GivesTheDigest()
    {
        var digest = "sha256:" + new string('a', 64);
        Assert.Equal(digest, BuildOutput.FindPushedDigest(["The push refers to repository [r/x]", "5f70bf18a086: Pushed", $"1.0: digest: {digest} size: 528"]));
        Assert.Null(BuildOutput.FindPushedDigest(["nothing here"]));
    }

    [Theory]
    [InlineData("Error: writing blob: initiating layer upload: unauthorized: authentication required", "ImagePushUnauthorized", E2eErrorCategory.AuthenticationError)]
    [InlineData("denied: requested access to the resource is denied", "ImagePushUnauthorized", E2eErrorCategory.AuthenticationError)]
    [InlineData("pinging container registry r:5000: Get \"https://r:5000/v2/\": http: server gave HTTP response to HTTPS client", "ImagePushTlsFailed", E2eErrorCategory.SecurityError)]
    [InlineData("dial tcp: lookup registry.invalid: no such host", "RegistryUnreachable", E2eErrorCategory.ConnectionError)]
    [InlineData("Get \"https://127.0.0.1:40123/v2/\": dial tcp 127.0.0.1:40123: connect: connection refused", "RegistryUnreachable", E2eErrorCategory.ConnectionError)]
    [InlineData("something else went wrong", "ImagePushFailed", E2eErrorCategory.WriteError)]
    public void PushErrors_AreClassified(string line, string id, E2eErrorCategory category)
    {
        var error = BuildOutput.PushError("podman", "registry.invalid/x:1", 125, ["Getting image source signatures", line]);

        Assert.Equal(id, error.ErrorId);
        Assert.Equal(category, error.Category);
        Assert.Equal("registry.invalid/x:1", error.Target);
        Assert.Contains("exit code 125", error.Message, StringComparison.Ordinal);
        Assert.Contains(line, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public void LoginAdvice_NeverAsksForAPasswordOnTheCommandLine()
    {
        var error = BuildOutput.PushError("docker", "registry.example.com/x:1", 1, ["unauthorized: authentication required"]);

        Assert.Contains("docker login registry.example.com", error.RecommendedAction, StringComparison.Ordinal);
        Assert.DoesNotContain("--password", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerCommands_UseDockersOwnFlags()
    {
        var build = EngineCommands.Build("docker", "/repo", "/repo/Dockerfile", "/tmp/iid", skipTlsVerify: true, noCache: false, platform: null,
            new Dictionary<string, string>(), new Dictionary<string, string>(), []);

        Assert.Equal(["build", "-f", "/repo/Dockerfile", "--iidfile", "/tmp/iid", "/repo"], build);
        Assert.Equal(["push", "r/x:1"], EngineCommands.Push("docker", "r/x:1", "/tmp/d", skipTlsVerify: true));
        Assert.Equal(["push", "--tls-verify=false", "--digestfile", "/tmp/d", "r/x:1"], EngineCommands.Push("podman", "r/x:1", "/tmp/d", skipTlsVerify: true));
    }

    [Fact]
    public void SplitOptions_HonoursQuotes()
    {
        Assert.Equal(["--root", "/a b", "--x=\"y\"", "z"], EngineCommands.SplitOptions("  --root '/a b'  --x='\"y\"' z "));
        Assert.Empty(EngineCommands.SplitOptions(null));
    }

    [Fact]
    public void DisplayedCommands_QuoteWhatAShellWouldSplit() =>
        Assert.Equal("podman build --label 'a=b c' /repo", EngineCommands.Display("podman", ["build", "--label", "a=b c", "/repo"]));

    [Theory]
    // The engines' reading of a reference (distribution's reference.ParseNormalizedNamed): the first
    // component is a registry when it has a dot or a port or is localhost, else the name is Docker Hub's.
    [InlineData("127.0.0.1:5000/test-api-e2e:content-ab12", "127.0.0.1:5000", "test-api-e2e", "content-ab12")]
    [InlineData("registry.example.com/team/test-api-e2e", "registry.example.com", "team/test-api-e2e", "latest")]
    [InlineData("localhost/app:1", "localhost", "app", "1")]
    [InlineData("python:3.13-slim", "docker.io", "library/python", "3.13-slim")]
    [InlineData("team/app:2", "docker.io", "team/app", "2")]
    public void RegistryClient_SplitsAReferenceAsTheEnginesDo(string reference, string host, string path, string tag)
    {
        Assert.Equal((host, path, tag), RegistryClient.Split(reference));
    }
}
