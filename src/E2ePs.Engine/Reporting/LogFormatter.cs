using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Engine.Reporting;

/// <summary>One log line as text ("[job] message", optionally timestamped) or as one JSON object for log collectors.</summary>
public sealed class LogFormatter(ResultLogFormat format, bool timestamps)
{
    /// <summary>The line; <paramref name="exclusive"/> is false when several runs log at once, so text lines name their job.</summary>
    public string Format(E2eRun run, E2eLogLine line, bool exclusive)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(line);
        if (format == ResultLogFormat.Json)
        {
            using var buffer = new MemoryStream();
            // Relaxed escaping: a log collector reads JSON, not HTML, so '+' and non-ASCII text stay as written.
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("timestamp", line.Timestamp?.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
                json.WriteString("job", run.JobName);
                json.WriteString("namespace", run.Namespace);
                json.WriteString("runId", run.RunId);
                json.WriteNumber("attempt", run.Attempt);
                json.WriteString("pod", line.Pod);
                json.WriteString("container", line.Container);
                json.WriteString("message", line.Message);
                json.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }

        var prefix = exclusive ? "" : $"[{run.Name}] ";
        var time = timestamps && line.Timestamp is { } t ? t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) + " " : "";
        return time + prefix + line.Message;
    }
}
