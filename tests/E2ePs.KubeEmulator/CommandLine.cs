using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator;

/// <summary>The emulator as a process: parses options, starts, prints "key: value" facts and "ready", runs until stdin closes or a signal.</summary>
internal static class CommandLine
{
    private const string Usage = """
        usage: E2ePs.KubeEmulator [--kubeconfig PATH] [--port N] [--http] [--token T] [--namespace NS]
                                  [--registry HOST:PORT] [--runtime simulated|buildah] [--registries-conf FILE]
                                  [--storage-root DIR] [--storage-runroot DIR] [--storage-driver vfs] [--scenarios FILE.json] [--node-cpu 8] [--node-memory 32Gi] [--nodes N]
                                  [--time-step-ms 20] [--sleep-scale 1.0] [--watch-history 102400] [--watch-history-min 100]
                                  [--watch-history-seconds 75] [--bookmark-seconds 60] [--min-request-timeout-seconds 1800] [--too-large-rv-wait-ms 3000]
                                  [--fault-watch-close-events N] [--fault-watch-close-seconds S] [--fault-rewatch-gone N]
                                  [--fault-429 N] [--fault-500 N] [--fault-503 N] [--fault-latency-ms MS]
                                  [--fault-log-cut-bytes N] [--fault-log-cut-lines N] [--fault-reset N]
                                  [--no-job-expectations] [--job-expectations-seconds 300] [--job-informer-delay-ms 0]
                                  [--status-lag-ms 1000] [--container-log-max-size 10Mi] [--container-log-max-files 5]
                                  [--autoscale-after-seconds N] [--autoscale-max-nodes 10]
                                  [--job-api-backoff-ms 1000] [--job-api-max-backoff-ms 60000]
                                  [--no-job-expectations] [--job-expectations-seconds 300] [--job-informer-delay-ms 0] [--node-monitor-grace-seconds 50]
                                  [--server-name NAME] [--ignore-stdin] [--bench-logs MB]
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new EmulatorOptions();
        var faults = new FaultSettings();
        var ignoreStdin = false;
        double? benchMegabytes = null;
        string nodeCpu = "8", nodeMemory = "32Gi";
        var nodeCount = 1;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
                double NextDouble() => double.Parse(Next(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--kubeconfig": options.KubeconfigPath = Next(); break;
                    case "--port": options.Port = NextInt(); break;
                    case "--http": options.UseHttp = true; break;
                    case "--token": options.Token = Next(); break;
                    case "--server-name": options.ServerName = Next(); break;
                    case "--namespace": options.DefaultNamespace = Next(); break;
                    case "--registry": options.RegistryHost = Next(); break;
                    case "--runtime": options.Runtime = Next() is "simulated" or "buildah" ? args[i] : throw new ArgumentException($"--runtime must be simulated or buildah, not {args[i]}"); break;
                    case "--registries-conf": options.RegistriesConf = Path.GetFullPath(Next()); break;
                    case "--storage-root": options.StorageRoot = Path.GetFullPath(Next()); break;
                    case "--storage-runroot": options.StorageRunRoot = Path.GetFullPath(Next()); break;
                    case "--storage-driver": options.StorageDriver = Next(); break;
                    case "--scenarios": foreach (var s in LoadScenarios(Next())) { options.Scenarios.Add(s); } break;
                    case "--node-cpu": nodeCpu = Next(); break;
                    case "--node-memory": nodeMemory = Next(); break;
                    case "--nodes": nodeCount = NextInt(); break;
                    case "--time-step-ms": options.TimeStep = TimeSpan.FromMilliseconds(NextDouble()); break;
                    case "--sleep-scale": options.SleepScale = NextDouble(); break;
                    case "--watch-history": options.WatchHistorySize = NextInt(); break;
                    case "--watch-history-min": options.WatchHistoryMinEvents = NextInt(); break;
                    case "--watch-history-seconds": options.WatchHistoryDuration = TimeSpan.FromSeconds(NextDouble()); break;
                    case "--min-request-timeout-seconds": options.MinRequestTimeout = TimeSpan.FromSeconds(NextDouble()); break;
                    case "--too-large-rv-wait-ms": options.TooLargeResourceVersionWait = TimeSpan.FromMilliseconds(NextDouble()); break;
                    case "--bookmark-seconds": options.BookmarkInterval = TimeSpan.FromSeconds(NextDouble()); break;
                    case "--fault-watch-close-events": faults.WatchCloseAfterEvents = NextInt(); break;
                    case "--fault-watch-close-seconds": faults.WatchCloseAfterSeconds = NextDouble(); break;
                    case "--fault-rewatch-gone": faults.RewatchGoneCount = NextInt(); break;
                    case "--fault-429": faults.TooManyRequestsCount = NextInt(); break;
                    case "--fault-500": faults.ServerErrorCount = NextInt(); faults.ServerErrorCode = 500; break;
                    case "--fault-503": faults.ServerErrorCount = NextInt(); faults.ServerErrorCode = 503; break;
                    case "--fault-latency-ms": faults.LatencyMs = NextInt(); break;
                    case "--fault-log-cut-bytes": faults.LogCutAfterBytes = NextInt(); break;
                    case "--fault-log-cut-lines": faults.LogCutAfterLines = NextInt(); break;
                    case "--fault-reset": faults.ResetConnectionCount = NextInt(); break;
                    case "--no-job-expectations": options.SameNameJobExpectations = false; break;
                    case "--job-expectations-seconds": options.JobExpectationsTimeout = TimeSpan.FromSeconds(NextDouble()); break;
                    case "--node-monitor-grace-seconds": options.NodeMonitorGracePeriod = TimeSpan.FromSeconds(NextDouble()); break;
                    case "--job-informer-delay-ms": options.JobInformerDelay = TimeSpan.FromMilliseconds(NextDouble()); break;
                    case "--status-lag-ms": options.PodStatusLag = TimeSpan.FromMilliseconds(NextDouble()); break;
                    case "--container-log-max-size": options.ContainerLogMaxSize = (long)Kubelet.Quantity.Parse(Next()); break;
                    case "--container-log-max-files": options.ContainerLogMaxFiles = NextInt() is >= 2 and var files ? files : throw new ArgumentException("--container-log-max-files must be at least 2 (the kubelet's validation)"); break;
                    case "--autoscale-after-seconds": options.AutoscaleAfter = TimeSpan.FromSeconds(NextDouble()); break;
                    case "--autoscale-max-nodes": options.AutoscaleMaxNodes = NextInt(); break;
                    case "--job-api-backoff-ms": options.JobApiBackOff = TimeSpan.FromMilliseconds(NextDouble()); break;
                    case "--job-api-max-backoff-ms": options.JobApiMaxBackOff = TimeSpan.FromMilliseconds(NextDouble()); break;
                    case "--ignore-stdin": ignoreStdin = true; break;
                    case "--bench-logs": benchMegabytes = NextDouble(); break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or JsonException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\n{Usage}");
            return 2;
        }

        for (var n = 1; n <= nodeCount; n++)
        {
            options.Nodes.Add(new NodeSpec { Name = $"emulator-node-{n}", Cpu = nodeCpu, Memory = nodeMemory });
        }

        options.Faults = faults;
        if (benchMegabytes is not null)
        {
            return await LogBenchmark.RunAsync(options, benchMegabytes.Value);
        }

        await using var server = await EmulatorServer.StartAsync(options);
        Console.WriteLine($"kubeconfig: {server.KubeconfigPath}");
        Console.WriteLine($"server: {server.ServerUri.ToString().TrimEnd('/')}");
        Console.WriteLine($"token: {server.Token}");
        Console.WriteLine("ready");
        Console.Out.Flush();

        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        if (!ignoreStdin)
        {
            _ = Task.Run(async () =>
            {
                // Runs until stdin closes: the parent process going away stops the emulator too.
                var buffer = new char[256];
                while (await Console.In.ReadAsync(buffer, stop.Token) > 0)
                {
                }

                await stop.CancelAsync();
            });
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        Console.WriteLine("stopped");
        return 0;
    }

    /// <summary>A JSON array of scenarios, or {"scenarios": [...]}; property names camelCase.</summary>
    public static List<ContainerScenario> LoadScenarios(string path)
    {
        var node = JsonNode.Parse(File.ReadAllText(path));
        if (node is JsonObject o && o["scenarios"] is JsonArray wrapped)
        {
            node = wrapped;
        }

        return node?.Deserialize<List<ContainerScenario>>(JsonDefaults.Web) ?? [];
    }
}
