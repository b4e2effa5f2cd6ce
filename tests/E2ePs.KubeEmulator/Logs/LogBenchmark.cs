using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace E2ePs.KubeEmulator;

/// <summary>--bench-logs MB: serves MB megabytes of container log over loopback HTTPS and prints the throughput.</summary>
internal static class LogBenchmark
{
    public static async Task<int> RunAsync(EmulatorOptions options, double megabytes)
    {
        options.ContainerLogMaxSize = 0; // the whole log is measured, not the kubelet's last file of it
        options.Scenarios.Insert(0, new ContainerScenario { Image = "bench/logs*", LogMegabytes = megabytes, LineLength = 120, DurationMs = 60_000 });
        await using var server = await EmulatorServer.StartAsync(options);
        using var http = CreateClient(server);
        var result = await MeasureAsync(http, "default", "bench-logs", megabytes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-bytes: {result.Bytes}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-seconds: {result.Seconds:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-throughput-mb-per-s: {result.Bytes / 1e6 / result.Seconds:0.0}"));
        return 0;
    }

    /// <summary>An HttpClient that trusts the emulator's CA and sends the admin token.</summary>
    public static HttpClient CreateClient(EmulatorServer server)
    {
        var handler = new HttpClientHandler();
        if (server.CaCertificate is { } ca)
        {
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Issuer == ca.Subject;
        }

        var http = new HttpClient(handler) { BaseAddress = server.ServerUri, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        return http;
    }

    /// <summary>Creates a pod running the bench image, waits for it to run, then reads its whole log once.</summary>
    public static async Task<(long Bytes, double Seconds)> MeasureAsync(HttpClient http, string ns, string podName, double megabytes)
    {
        var pod = $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{podName}}}"},"spec":{"restartPolicy":"Never","containers":[{"name":"main","image":"bench/logs:1"}]}}""";
        using (var created = await http.PostAsync(new Uri($"api/v1/namespaces/{ns}/pods", UriKind.Relative), new StringContent(pod, Encoding.UTF8, "application/json")))
        {
            created.EnsureSuccessStatusCode();
        }

        var logUri = new Uri($"api/v1/namespaces/{ns}/pods/{podName}/log", UriKind.Relative);
        for (var i = 0; i < 500; i++)
        {
            using var probe = await http.GetAsync(new Uri($"api/v1/namespaces/{ns}/pods/{podName}/log?limitBytes=1", UriKind.Relative));
            if (probe.IsSuccessStatusCode)
            {
                break;
            }

            await Task.Delay(20);
        }

        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(logUri, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            total += n;
        }

        watch.Stop();
        _ = megabytes;
        return (total, watch.Elapsed.TotalSeconds);
    }
}
