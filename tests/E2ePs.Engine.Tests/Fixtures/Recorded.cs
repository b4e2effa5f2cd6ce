using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Tests.Fixtures;

/// <summary>
/// Objects recorded as the API server returns them, read from the JSON files beside this class (each names,
/// in its header comment, where in the Kubernetes source and documentation its shapes come from) and
/// deserialized with the client's own <see cref="KubernetesJson"/>, as the engine receives them.
/// </summary>
public static class Recorded
{
    private static readonly ConcurrentDictionary<string, JsonElement> s_files = new(StringComparer.Ordinal);

    /// <summary>A batch/v1 Job of jobs.json.</summary>
    public static V1Job Job(string key) => Load<V1Job>("jobs.json", key);

    /// <summary>A core/v1 Pod of pods.json.</summary>
    public static V1Pod Pod(string key) => Load<V1Pod>("pods.json", key);

    /// <summary>A batch/v1 Job of listing.json: the shapes of a run Get-E2eRun lists.</summary>
    public static V1Job ListedJob(string key) => Load<V1Job>("listing.json", key);

    /// <summary>A core/v1 Pod of listing.json.</summary>
    public static V1Pod ListedPod(string key) => Load<V1Pod>("listing.json", key);

    /// <summary>A core/v1 Event of events.json.</summary>
    public static Corev1Event Event(string key) => Load<Corev1Event>("events.json", key);

    /// <summary>A core/v1 Event of admission-events.json: the job controller's FailedCreate for refused pod creates.</summary>
    public static Corev1Event AdmissionEvent(string key) => Load<Corev1Event>("admission-events.json", key);

    /// <summary>An HTTP answer of statuses.json: its code, Retry-After and body as sent.</summary>
    public static RecordedAnswer Answer(string key)
    {
        var entry = Entry("statuses.json", key);
        var body = entry.TryGetProperty("body", out var json) ? json.GetRawText() : entry.GetProperty("text").GetString()!;
        var retryAfter = entry.TryGetProperty("retryAfter", out var header) ? header.GetString() : null;
        return new RecordedAnswer((HttpStatusCode)entry.GetProperty("code").GetInt32(), retryAfter, body);
    }

    /// <summary>The keys of one fixture file, for tables that run over all of them.</summary>
    public static IEnumerable<string> Keys(string file) => File(file).EnumerateObject().Select(p => p.Name);

    /// <summary>
    /// A later attempt of the same Job: the controller creates each pod under a new generated name and uid,
    /// which is all that tells the recorded attempts of one run apart.
    /// </summary>
    public static V1Pod Attempt(V1Pod pod, string name, DateTime created)
    {
        ArgumentNullException.ThrowIfNull(pod);
        pod.Metadata.Name = name;
        pod.Metadata.Uid = $"{pod.Metadata.Uid}-{name}";
        pod.Metadata.CreationTimestamp = created;
        return pod;
    }

    private static T Load<T>(string file, string key) =>
        KubernetesJson.Deserialize<T>(Entry(file, key).GetRawText()) ?? throw new InvalidDataException($"{file}: '{key}' is null");

    private static JsonElement Entry(string file, string key) =>
        File(file).TryGetProperty(key, out var entry) ? entry : throw new KeyNotFoundException($"{file} has no '{key}'");

    private static JsonElement File(string file) => s_files.GetOrAdd(file, static name =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return document.RootElement.Clone();
    });
}

/// <summary>An HTTP answer as the API server sent it.</summary>
public sealed record RecordedAnswer(HttpStatusCode Code, string? RetryAfter, string Body);
