using System.Text.Json.Nodes;

namespace E2ePs.Bench.Infrastructure;

/// <summary>Waits the harness does between measurements, outside the measured windows.</summary>
public static class Jobs
{
    /// <summary>Returns once every Job of <paramref name="ns"/> has a Complete or Failed condition.</summary>
    public static async Task WaitUntilAllCompleteAsync(EmulatorProcess emulator, string ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var jobs = await emulator.ListAsync($"apis/batch/v1/namespaces/{ns}/jobs", cancellationToken);
            var running = jobs.OfType<JsonObject>().Count(job => !Ended(job));
            if (running == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{running} Job(s) of namespace {ns} had not ended after 3 minutes.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static bool Ended(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Any(c =>
            c["status"]?.GetValue<string>() == "True" && c["type"]?.GetValue<string>() is "Complete" or "Failed");
}
