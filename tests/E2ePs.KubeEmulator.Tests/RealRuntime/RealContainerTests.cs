using System.Diagnostics;
using System.Text;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace E2ePs.KubeEmulator.Tests.RealRuntime;

/// <summary>
/// Pods run by the emulator's real runtime (--runtime buildah): real processes from an image in a real registry,
/// their output as the pod log, their exit code as the container status and the Job's condition.
/// </summary>
[Trait("Tier", "Full")]
[Collection(RealRuntimeCollection.Name)]
public sealed class RealContainerTests(RealRuntimeFixture fx, ITestOutputHelper output)
{
    private const string Script = """
        cat /work/handoff.txt
        busybox id
        busybox stat -c 'work group=%g mode=%A' /work
        cat /creds/sub/file.txt; echo
        echo "token=$TOKEN pod=$POD_NAME ns=$POD_NAMESPACE expanded=$(GREETING)"
        echo "to stderr" >&2
        exit 3
        """;

    [RealRuntimeFact]
    public async Task JobPod_InitWritesEmptyDir_MainReadsItAsUserWithSecrets_ExitCodeFailsTheJob()
    {
        var ns = await fx.NewNamespaceAsync("real-job");
        await fx.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "creds" },
            StringData = new Dictionary<string, string> { ["token"] = "s3cret-token", ["file.txt"] = "from the secret volume", ["unused"] = "x" },
        }, ns);
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "real" },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        SecurityContext = new V1PodSecurityContext { FsGroup = 2000 },
                        Volumes =
                        [
                            new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "creds", Items = [new V1KeyToPath { Key = "file.txt", Path = "sub/file.txt" }] } },
                        ],
                        InitContainers =
                        [
                            new V1Container
                            {
                                Name = "prepare",
                                Image = RealRuntimeFixture.MirroredImage,
                                Command = ["sh", "-c", "echo written by the init container > /work/handoff.txt"],
                                VolumeMounts = [new V1VolumeMount { Name = "work", MountPath = "/work" }],
                            },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "main",
                                Image = fx.Image,
                                Command = ["sh", "-c", Script],
                                WorkingDir = "/work",
                                SecurityContext = new V1SecurityContext { RunAsUser = 1000, RunAsGroup = 1000 },
                                Env =
                                [
                                    new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "token" } } },
                                    new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                                    new V1EnvVar { Name = "POD_NAMESPACE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
                                    new V1EnvVar { Name = "GREETING", Value = "hello $(POD_NAMESPACE)" },
                                ],
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "work", MountPath = "/work" },
                                    new V1VolumeMount { Name = "creds", MountPath = "/creds" },
                                ],
                            },
                        ],
                    },
                },
            },
        };

        var clock = Stopwatch.StartNew();
        await fx.Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        var failed = await WaitAsync(ns, () => fx.Client.BatchV1.ReadNamespacedJobAsync("real", ns), j => j.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true, "the job's Failed condition", seconds: 60, pollMs: 100);
        output.WriteLine($"job created -> Failed condition: {clock.ElapsedMilliseconds} ms");

        Assert.Equal("BackoffLimitExceeded", failed.Status.Conditions.Single(c => c.Type == "Failed").Reason);
        var pod = (await fx.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=real")).Items.Single();
        Assert.Equal("Failed", pod.Status.Phase);
        var init = pod.Status.InitContainerStatuses.Single().State.Terminated;
        Assert.Equal((0, "Completed"), (init.ExitCode, init.Reason));
        var main = pod.Status.ContainerStatuses.Single().State.Terminated;
        Assert.Equal((3, "Error"), (main.ExitCode, main.Reason));
        Assert.True(main.StartedAt <= main.FinishedAt);
        Assert.True(init.FinishedAt <= main.StartedAt, "the init container ends before the main container starts");
        output.WriteLine($"main container ran {(main.FinishedAt - main.StartedAt)!.Value.TotalMilliseconds} ms; pod created -> main terminated: {(main.FinishedAt!.Value - pod.Metadata.CreationTimestamp!.Value).TotalMilliseconds} ms (second precision)");

        // stdout in order; the stderr line comes through its own pipe, so its place among them is when it arrived.
        string[] expectedStdout =
        [
            "written by the init container",
            "uid=1000 gid=1000 groups=1000",
            "work group=2000 mode=drwxrwsrwx",
            "from the secret volume",
            $"token=s3cret-token pod={pod.Metadata.Name} ns={ns} expanded=hello {ns}",
        ];
        string log;
        using (var stream = await fx.Client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, container: "main"))
        using (var reader = new StreamReader(stream))
        {
            log = await reader.ReadToEndAsync();
        }

        var lines = log.Split('\n');
        Assert.Equal("", lines[^1]);
        Assert.Equal(expectedStdout, lines[..^1].Where(l => l != "to stderr"));
        Assert.Single(lines, "to stderr");

        var kubectl = await EmulatorFixture.RunKubectlAsync(fx.Server, "logs", "-n", ns, "job/real", "-c", "main");
        Assert.True(kubectl.ExitCode == 0, kubectl.Stderr);
        Assert.Equal(log, kubectl.Stdout);
        var timestamps = await EmulatorFixture.RunKubectlAsync(fx.Server, "logs", "-n", ns, "job/real", "-c", "main", "--timestamps", "--tail=2");
        var stamped = timestamps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(stamped, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ", l));
        Assert.Equal(lines[^3..^1], stamped.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));

        var events = (await fx.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={pod.Metadata.Name}")).Items;
        string[] lifecycle = ["Pulling", "Pulled", "Created", "Started"];
        List<string> Reasons(string fieldPath) => events.Where(e => e.InvolvedObject.FieldPath == fieldPath && lifecycle.Contains(e.Reason)).Select(e => e.Reason).ToList();

        // The mirrored name is used by this test only: a pull (its content was pulled by digest before under another name).
        Assert.Equal(lifecycle, Reasons("spec.initContainers{prepare}"));
        // The registry's own name may have been pulled by an earlier test: then "already present on machine", no Pulling.
        Assert.Equal(["Pulled", "Created", "Started"], Reasons("spec.containers{main}").Where(r => r != "Pulling"));
    }

    [RealRuntimeFact]
    public async Task FollowedLogGrowsWhileRunning_DeletionSendsSigtermAndThePodEnds()
    {
        var ns = await fx.NewNamespaceAsync("real-term");
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "looper" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                TerminationGracePeriodSeconds = 30,
                Containers =
                [
                    new V1Container
                    {
                        Name = "loop",
                        Image = fx.Image,
                        Command = ["sh", "-c", "trap 'echo got SIGTERM; exit 143' TERM; echo started; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"],
                    },
                ],
            },
        };
        await fx.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitAsync(ns, () => fx.Client.CoreV1.ReadNamespacedPodAsync("looper", ns), p => p.Status?.ContainerStatuses?[0].State.Running is not null, "the container running", seconds: 60, pollMs: 100);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await fx.Client.CoreV1.ReadNamespacedPodLogAsync("looper", ns, follow: true, cancellationToken: timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (!lines.Contains("tick 3"))
        {
            lines.Add(await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the followed log ended while the container runs: " + string.Join('|', lines)));
        }

        Assert.Equal(["started", "tick 0", "tick 1", "tick 2", "tick 3"], lines);
        var clock = Stopwatch.StartNew();
        await fx.Client.CoreV1.DeleteNamespacedPodAsync("looper", ns, cancellationToken: timeout.Token);
        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null)
        {
            lines.Add(line);
        }

        output.WriteLine($"delete -> followed log ended: {clock.ElapsedMilliseconds} ms");
        Assert.Equal("got SIGTERM", lines[^1]);
        Assert.All(lines[5..^1], l => Assert.StartsWith("tick ", l, StringComparison.Ordinal));

        // The pod shows the process's own exit code, then goes once its containers are stopped.
        await WaitAsync(ns, 
            async () => (await fx.Client.CoreV1.ListNamespacedPodAsync(ns)).Items,
            pods => pods.Count == 0,
            "the deleted pod to be removed",
            seconds: 30,
            pollMs: 50);
        var killing = (await fx.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.Reason == "Killing").ToList();
        Assert.Single(killing);
        Assert.Equal("spec.containers{loop}", killing[0].InvolvedObject.FieldPath);
    }

    [RealRuntimeFact]
    public async Task JobDeadline_SigtermsTheRunningContainer_AndTheJobFailsWithDeadlineExceeded()
    {
        var ns = await fx.NewNamespaceAsync("real-deadline");
        var job = Manifests.Job("slow", fx.Image, ["sh", "-c", "trap 'echo got SIGTERM; exit 143' TERM; echo started; while true; do sleep 0.2; done"], deadline: 6);
        await fx.Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        var pod = await WaitAsync(ns, async () => (await fx.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=slow")).Items.FirstOrDefault(), p => p?.Status?.ContainerStatuses?[0].State.Running is not null, "the container running", seconds: 60, pollMs: 100);

        // Follow from the start: the stream ends when the container does, with the trap's line last.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await fx.Client.CoreV1.ReadNamespacedPodLogAsync(pod!.Metadata.Name, ns, follow: true, cancellationToken: timeout.Token);
        var log = await new StreamReader(stream).ReadToEndAsync(timeout.Token);
        Assert.Equal("started\ngot SIGTERM\n", log);

        var failed = await WaitAsync(ns, () => fx.Client.BatchV1.ReadNamespacedJobAsync("slow", ns), j => j.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true, "the job's Failed condition", seconds: 60, pollMs: 100);
        Assert.Equal("DeadlineExceeded", failed.Status.Conditions.Single(c => c.Type == "Failed").Reason);
    }

    [RealRuntimeFact]
    public async Task AContainerThatIgnoresSigterm_IsKilledAfterTheGracePeriod_WithExitCode137()
    {
        var ns = await fx.NewNamespaceAsync("real-kill");
        var created = await StartLongRunningPodAsync(ns, "stubborn", graceSeconds: 1, "trap 'echo ignoring SIGTERM' TERM; echo started; while true; do sleep 0.2; done");

        // Every status the pod passes through until it is gone, from a watch: the last one before removal is terminated.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<V1Pod>();
        var watching = RecordUntilDeletedAsync(ns, created, seen, timeout.Token);
        using var stream = await fx.Client.CoreV1.ReadNamespacedPodLogAsync("stubborn", ns, follow: true, cancellationToken: timeout.Token);
        await fx.Client.CoreV1.DeleteNamespacedPodAsync("stubborn", ns, cancellationToken: timeout.Token);
        var log = await new StreamReader(stream).ReadToEndAsync(timeout.Token);
        await watching.WaitAsync(timeout.Token);

        Assert.Equal("started\nignoring SIGTERM\n", log);
        var terminated = seen.Select(p => p.Status?.ContainerStatuses?[0].State.Terminated).Last(t => t is not null)!;
        Assert.Equal((137, "Error"), (terminated.ExitCode, terminated.Reason));
        Assert.Equal("Failed", seen[^1].Status.Phase);
    }

    [RealRuntimeFact]
    public async Task AnEvictedRealContainer_GetsDisruptionTarget_Sigterm_AndThePodGoes()
    {
        var ns = await fx.NewNamespaceAsync("real-evict");
        var created = await StartLongRunningPodAsync(ns, "evictee", graceSeconds: 30, "trap 'echo got SIGTERM; exit 143' TERM; echo started; while true; do sleep 0.2; done");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<V1Pod>();
        var watching = RecordUntilDeletedAsync(ns, created, seen, timeout.Token);
        using var stream = await fx.Client.CoreV1.ReadNamespacedPodLogAsync("evictee", ns, follow: true, cancellationToken: timeout.Token);
        await fx.Client.CoreV1.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = "evictee", NamespaceProperty = ns } }, "evictee", ns, cancellationToken: timeout.Token);
        var log = await new StreamReader(stream).ReadToEndAsync(timeout.Token);
        await watching.WaitAsync(timeout.Token);

        // The eviction API marks the pod, then deletes it gracefully: the process gets SIGTERM and its exit code shows.
        Assert.Equal("started\ngot SIGTERM\n", log);
        var disruption = seen[^1].Status.Conditions.Single(c => c.Type == "DisruptionTarget");
        Assert.Equal(("True", "EvictionByEvictionAPI"), (disruption.Status, disruption.Reason));
        var terminated = seen.Select(p => p.Status?.ContainerStatuses?[0].State.Terminated).Last(t => t is not null)!;
        Assert.Equal(143, terminated.ExitCode);
    }

    [RealRuntimeFact]
    public async Task MissingSecretKeyRef_IsCreateContainerConfigError_UntilTheSecretExists()
    {
        var ns = await fx.NewNamespaceAsync("real-config");
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "needs-secret" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = fx.Image,
                        Command = ["sh", "-c", "echo password=$PASSWORD"],
                        Env = [new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "later", Key = "password" } } }],
                    },
                ],
            },
        };
        await fx.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var waiting = await WaitAsync(ns, () => fx.Client.CoreV1.ReadNamespacedPodAsync("needs-secret", ns), p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError", seconds: 60, pollMs: 100);
        Assert.Equal("secret \"later\" not found", waiting.Status.ContainerStatuses[0].State.Waiting.Message);
        Assert.Equal("Pending", waiting.Status.Phase);
        var events = (await fx.Client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        Assert.Contains(events, e => e.Type == "Warning" && e.Reason == "Failed" && e.Message == "Error: secret \"later\" not found");

        // The kubelet retries: once the Secret exists the container runs with its value.
        await fx.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "later" }, StringData = new Dictionary<string, string> { ["password"] = "p@ss $word" } }, ns);
        var done = await WaitAsync(ns, () => fx.Client.CoreV1.ReadNamespacedPodAsync("needs-secret", ns), p => p.Status?.Phase == "Succeeded", "the pod to succeed", seconds: 60, pollMs: 100);
        Assert.Equal((0, "Completed"), (done.Status.ContainerStatuses[0].State.Terminated.ExitCode, done.Status.ContainerStatuses[0].State.Terminated.Reason));
        var kubectl = await EmulatorFixture.RunKubectlAsync(fx.Server, "logs", "-n", ns, "needs-secret");
        Assert.Equal("password=p@ss $word\n", kubectl.Stdout);
    }

    /// <summary>Waits like Eventually.WaitAsync; on a timeout, writes the namespace's pods and events to the test output first.</summary>
    /// <summary>Creates a pod of one container running <paramref name="script"/> and returns it once the container runs.</summary>
    private async Task<V1Pod> StartLongRunningPodAsync(string ns, string name, long graceSeconds, string script)
    {
        var created = await fx.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                TerminationGracePeriodSeconds = graceSeconds,
                Containers = [new V1Container { Name = "app", Image = fx.Image, Command = ["sh", "-c", script] }],
            },
        }, ns);
        await WaitAsync(ns, () => fx.Client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Status?.ContainerStatuses?[0].State.Running is not null, "the container running", seconds: 60, pollMs: 100);
        return created;
    }

    /// <summary>Every state the pod passes through from <paramref name="created"/> on, from a watch, until it is deleted.</summary>
    private Task RecordUntilDeletedAsync(string ns, V1Pod created, List<V1Pod> seen, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        await foreach (var (type, item) in fx.Client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: created.Metadata.ResourceVersion, cancellationToken: cancellationToken))
        {
            seen.Add(item);
            if (type == k8s.WatchEventType.Deleted)
            {
                return;
            }
        }
    }, cancellationToken);

    private async Task<T> WaitAsync<T>(string ns, Func<Task<T>> probe, Func<T, bool> done, string what, double seconds = 15, int pollMs = 25)
    {
        try
        {
            return await Eventually.WaitAsync(probe, done, what, seconds, pollMs);
        }
        catch (TimeoutException)
        {
            foreach (var p in (await fx.Client.CoreV1.ListNamespacedPodAsync(ns)).Items)
            {
                output.WriteLine($"pod {p.Metadata.Name}: {k8s.KubernetesJson.Serialize(p.Status)}");
            }

            foreach (var e in (await fx.Client.CoreV1.ListNamespacedEventAsync(ns)).Items)
            {
                output.WriteLine($"event {e.InvolvedObject.Name} {e.InvolvedObject.FieldPath} {e.Reason}: {e.Message}");
            }

            throw;
        }
    }
}
