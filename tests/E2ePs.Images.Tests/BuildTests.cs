using E2ePs.Contracts;
using E2ePs.Engine.Images;
using E2ePs.TestSupport;

namespace E2ePs.Images.Tests;

/// <summary>Builds and pushes with the real engines against a real registry.</summary>
[Collection(ImageBuilds.Name)]
[Trait("Tier", "Full")]
public sealed class BuildTests(ImageFixture fixture)
{
    private const string Dockerfile = """
        FROM {{BASE}}
        RUN echo built > /built.txt
        COPY jobs/test-{{NAME}}-e2e/run.sh /app/run.sh
        CMD ["/bin/sh", "/app/run.sh"]
        """;

    private static string DockerfileFor(string name) => Dockerfile.Replace("{{NAME}}", name, StringComparison.Ordinal);

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task Push_ReturnsTheDigestTheRegistryServes(string engine)
    {
        var name = $"push-{engine}";
        var job = fixture.NewJob(name, DockerfileFor(name));

        var (image, events) = await fixture.BuildAsync(fixture.Request(job, engine, push: true, contentTag: true));

        var repository = $"test-{name}-e2e";
        var tags = await fixture.Registry.GetTagsAsync(repository);
        Assert.Contains("latest", tags);
        Assert.Contains(image.ContentTag, tags);
        var served = await fixture.Registry.GetManifestDigestAsync(repository, "latest");
        Assert.NotNull(image.Digest);
        Assert.Equal(served, image.Digest);
        Assert.Equal(served, await fixture.Registry.GetManifestDigestAsync(repository, image.ContentTag!));
        Assert.Equal($"{fixture.Registry.Address}/{repository}@{served}", image.Reference);
        Assert.Equal(image.Reference, image.Image);
        Assert.True(image.Pushed);
        Assert.Equal(engine, image.Engine);
        Assert.Equal([$"{fixture.Registry.Address}/{repository}:latest", $"{fixture.Registry.Address}/{repository}:{image.ContentTag}"], image.Tags);
        Assert.Equal((job.Name, job.JobName, job.Namespace, job.Path), (image.Name, image.JobName, image.Namespace, image.Path));
        Assert.Same(job, image.Job);
        Assert.True(fixture.Storage.HasImage(engine, image.Tags[0]));
        Assert.True(fixture.Storage.HasImage(engine, image.ImageId));

        // The output streamed step by step (STEP 1/n .. n/n; the engines add a step for --label), then tag and push commands.
        var steps = events.Where(e => e.Step > 0).ToList();
        var count = steps[0].StepCount;
        Assert.InRange(count, 4, 5);
        Assert.Equal(Enumerable.Range(1, count), steps.Select(e => e.Step).Distinct());
        Assert.All(steps, e => Assert.Equal(count, e.StepCount));
        Assert.Contains(events, e => e.IsCommand && e.Phase == ImageBuildPhase.Pushing && e.Text.Contains(" push ", StringComparison.Ordinal));
        Assert.True(events.Select(e => e.Elapsed).SequenceEqual(events.Select(e => e.Elapsed).Order()));
    }

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task WithoutPush_TagsLocallyAndLeavesTheRegistryAlone(string engine)
    {
        var name = $"local-{engine}";
        var job = fixture.NewJob(name, DockerfileFor(name));
        var request = fixture.Request(job, engine, push: false);
        request.Tags = ["1.0", $"{fixture.Registry.Address}/other/{name}:2"];

        var (image, _) = await fixture.BuildAsync(request);

        Assert.False(image.Pushed);
        Assert.Null(image.Digest);
        Assert.Equal($"{fixture.Registry.Address}/test-{name}-e2e:1.0", image.Reference);
        Assert.True(fixture.Storage.HasImage(engine, $"{fixture.Registry.Address}/test-{name}-e2e:1.0"));
        Assert.True(fixture.Storage.HasImage(engine, $"{fixture.Registry.Address}/other/{name}:2"));
        Assert.False(fixture.Storage.HasImage(engine, $"{fixture.Registry.Address}/test-{name}-e2e:latest"));
        Assert.Empty(await fixture.Registry.GetTagsAsync($"test-{name}-e2e"));
    }

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task FailedBuild_TagsAndPushesNothing(string engine)
    {
        var name = $"broken-{engine}";
        var job = fixture.NewJob(name, "FROM {{BASE}}\nRUN echo about-to-fail && false\nCOPY jobs/x /x\n");

        var error = await Assert.ThrowsAsync<E2eException>(() => fixture.BuildAsync(fixture.Request(job, engine, push: true, contentTag: true)));

        Assert.Equal("ImageBuildFailed", error.ErrorId);
        Assert.Equal(E2eErrorCategory.InvalidResult, error.Category);
        Assert.Same(job, error.Target);
        Assert.Contains("exit code", error.Message, StringComparison.Ordinal);
        Assert.Contains("about-to-fail", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was tagged or pushed", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Registry.GetTagsAsync($"test-{name}-e2e"));
        Assert.False(fixture.Storage.HasImage(engine, $"{fixture.Registry.Address}/test-{name}-e2e:latest"));
    }

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task PushToAStoppedRegistry_IsAConnectionError(string engine)
    {
        var name = $"unreachable-{engine}";
        var job = fixture.NewJob(name, DockerfileFor(name), image: $"127.0.0.1:{LocalRegistry.FreePort()}/test-{name}-e2e:1");
        var request = fixture.Request(job, engine, push: true);

        var error = await Assert.ThrowsAsync<E2eException>(() => fixture.BuildAsync(request));

        Assert.Equal("RegistryUnreachable", error.ErrorId);
        Assert.Equal(E2eErrorCategory.ConnectionError, error.Category);
        Assert.Equal(job.Image, error.Target);
        Assert.NotNull(error.RecommendedAction);
    }

    [EngineFact]
    public async Task PushOverPlainHttpWithTlsVerification_IsASecurityError()
    {
        var engine = ImageFixture.Engines[0];
        var name = "tls";
        var job = fixture.NewJob(name, DockerfileFor(name));
        var request = fixture.Request(job, engine, push: true);
        request.SkipTlsVerify = false;
        // Build from the store, as the base image is already there; only the push talks to the registry.
        request.BuildOptions = [.. ContainerStorage.BuildArguments, "--pull=never"];

        var error = await Assert.ThrowsAsync<E2eException>(() => fixture.BuildAsync(request));

        Assert.Equal("ImagePushTlsFailed", error.ErrorId);
        Assert.Equal(E2eErrorCategory.SecurityError, error.Category);
        Assert.Contains("-SkipTlsVerify", error.RecommendedAction, StringComparison.Ordinal);
    }

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task CancellingDuringRun_LeavesNoProcessAndNoWorkingContainer(string engine)
    {
        // The RUN step forks its sleep at once and says so: the event of that line means the sleep runs.
        // A shell that forks in the same instant as it starts is what Process.Kill(entireProcessTree)
        // missed, as buildah's chroot runtime died before the walk reached the shell.
        var marker = NewMarker();
        var job = fixture.NewJob($"cancel-run-{engine}", $"FROM {{{{BASE}}}}\nRUN sleep 3{marker} & echo started-{marker}; wait\n");
        var containersBefore = fixture.Storage.WorkingContainers(engine);
        using var cancellation = new CancellationTokenSource();
        var operation = fixture.Builder.Start(fixture.Builder.Plan(fixture.Request(job, engine, push: false)), cancellation.Token);

        await WaitForLineAsync(operation, $"started-{marker}");
        Assert.True(SleepRuns(marker), "the RUN step's sleep does not run");
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operation.Completion);
        Assert.False(SleepRuns(marker), $"a process of the build still runs: {string.Join("; ", ProcessesWith(marker))}");
        Assert.Equal(containersBefore, fixture.Storage.WorkingContainers(engine));
        Assert.False(fixture.Storage.HasImage(engine, job.Image));
    }

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task CancellingOneOfTwoBuilds_LeavesTheOtherAloneAndRemovesWhatWasLeftAfterIt(string engine)
    {
        // Two builds on one storage: the one that goes on waits in its RUN step for a file in a
        // folder mounted into it, so it runs for certain while the other is cancelled.
        var marker = NewMarker();
        var gate = Directory.CreateTempSubdirectory("images-test-gate-").FullName;
        try
        {
            var goesOn = fixture.NewJob($"goes-on-{engine}", $"FROM {{{{BASE}}}}\nRUN echo waiting-{marker}; while [ ! -e /gate/open ]; do sleep 1; done\n");
            var cancelled = fixture.NewJob($"cancelled-{engine}", $"FROM {{{{BASE}}}}\nRUN sleep 3{marker} & echo started-{marker}; wait\n");
            var containersBefore = fixture.Storage.WorkingContainers(engine);
            var goesOnRequest = fixture.Request(goesOn, engine, push: false);
            goesOnRequest.BuildOptions = [.. ContainerStorage.BuildArguments, "--volume", $"{gate}:/gate"];
            var running = fixture.Builder.Start(fixture.Builder.Plan(goesOnRequest), CancellationToken.None);
            await WaitForLineAsync(running, $"waiting-{marker}");
            using var cancellation = new CancellationTokenSource();
            var stopped = fixture.Builder.Start(fixture.Builder.Plan(fixture.Request(cancelled, engine, push: false)), cancellation.Token);
            await WaitForLineAsync(stopped, $"started-{marker}");

            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.Completion);

            Assert.False(SleepRuns(marker), $"a process of the cancelled build still runs: {string.Join("; ", ProcessesWith(marker))}");
            Assert.False(running.Completion.IsCompleted, "the other build ended with the cancelled one");
            File.WriteAllText(Path.Combine(gate, "open"), "");
            var image = await running.Completion;
            Assert.True(fixture.Storage.HasImage(engine, image.ImageId));
            Assert.Equal(containersBefore, fixture.Storage.WorkingContainers(engine));
        }
        finally
        {
            Tools.DeleteFolder(gate);
        }
    }

    [EngineTheory]
    [MemberData(nameof(ImageFixture.EngineData), MemberType = typeof(ImageFixture))]
    public async Task CancellingWhileTagging_PutsEveryTagBack(string engine)
    {
        // A wrapper around the engine lets the first tag through and holds the second until it is
        // killed, so the cancellation lands between two tags every time.
        var marker = NewMarker();
        var name = $"cancel-tag-{engine}";
        var job = fixture.NewJob(name, DockerfileFor(name));
        var moved = $"{fixture.Registry.Address}/test-{name}-e2e:stable";
        var added = $"{fixture.Registry.Address}/test-{name}-e2e:new";
        fixture.Storage.Run(engine, "tag", fixture.BaseImage, moved).EnsureSuccess();
        var before = fixture.Storage.ImageId(engine, moved);
        var wrapper = Directory.CreateTempSubdirectory("images-test-wrapper-").FullName;
        try
        {
            var state = Path.Combine(wrapper, "tags");
            File.WriteAllText(Path.Combine(wrapper, engine), $$"""
                #!/bin/sh
                for argument in "$@"; do
                  if [ "$argument" = tag ]; then
                    count=$(( $(cat '{{state}}' 2>/dev/null || echo 0) + 1 ))
                    echo "$count" > '{{state}}'
                    if [ "$count" = 2 ]; then echo tag-held-{{marker}}; exec sleep 3{{marker}}; fi
                  fi
                done
                exec '{{Tools.Find(engine)}}' "$@"

                """);
            File.SetUnixFileMode(Path.Combine(wrapper, engine), (UnixFileMode)0b111_101_101);
            var request = fixture.Request(job, engine, push: false);
            request.Tags = [moved, added];
            request.SearchPath = [wrapper];
            using var cancellation = new CancellationTokenSource();
            var operation = fixture.Builder.Start(fixture.Builder.Plan(request), cancellation.Token);

            await WaitForLineAsync(operation, $"tag-held-{marker}");
            await cancellation.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operation.Completion);
            Assert.Equal(before, fixture.Storage.ImageId(engine, moved));
            Assert.False(fixture.Storage.HasImage(engine, added));
            Assert.False(SleepRuns(marker), "the held tag command still runs");
        }
        finally
        {
            Tools.DeleteFolder(wrapper);
        }
    }

    private static string NewMarker() => Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitForLineAsync(ImageBuildOperation operation, string text)
    {
        await foreach (var item in operation.Events.ReadAllAsync())
        {
            // The whole line: the engine also echoes the RUN instruction, which holds the same words.
            if (item.Text.Trim() == text)
            {
                return;
            }
        }

        await operation.Completion;
        Assert.Fail($"the build ended without writing '{text}'");
    }

    private static bool SleepRuns(string marker) => ProcessesWith(marker).Count > 0;

    // Every process whose command line holds "sleep 3<marker>": the RUN step's shell and its sleep.
    private static List<string> ProcessesWith(string marker) =>
        Directory.EnumerateDirectories("/proc").Select(folder =>
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                return commandLine.Contains($"sleep 3{marker}", StringComparison.Ordinal) && !stat.Contains(") Z ", StringComparison.Ordinal)
                    ? $"{Path.GetFileName(folder)} {commandLine.Trim()} (parent {stat[(stat.LastIndexOf(')') + 4)..].Split(' ')[0]})"
                    : null;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }).OfType<string>().ToList();
}
