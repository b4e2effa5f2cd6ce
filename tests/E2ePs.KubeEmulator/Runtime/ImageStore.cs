using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>What the image says about running it (OCI image config: Entrypoint, Cmd, Env, WorkingDir, User).</summary>
internal sealed record ImageConfig(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd, IReadOnlyList<string> Env, string WorkingDir, string User)
{
    /// <summary>From <c>buildah inspect --type image</c>: the OCI config is under OCIv1.config (buildah 1.28's templates have no json function).</summary>
    public static ImageConfig FromInspect(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("OCIv1", out var oci) && oci.TryGetProperty("config", out var config) ? Parse(config.GetRawText()) : Parse("{}");
    }

    public static ImageConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json.Trim() is { Length: > 0 } t && t != "null" ? t : "{}");
        var root = doc.RootElement;
        IReadOnlyList<string> List(string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
        string Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
        return new ImageConfig(List("Entrypoint"), List("Cmd"), List("Env"), Text("WorkingDir"), Text("User"));
    }
}

/// <summary>An image present in the store: its id, the digest it was pulled by, and its config.</summary>
internal sealed record PulledImage(string ImageId, string Digest, ImageConfig Config);

/// <summary>The outcome of a pull: the image, whether it was already present, how long it took; or the error.</summary>
internal sealed record PullResult(PulledImage? Image, bool AlreadyPresent, TimeSpan Took, string? Error);

/// <summary>
/// Pulls images into the emulator's store once per manifest digest: the tag is resolved to a digest at the registry,
/// and an image already pulled by that digest is reused (a moved tag pulls the new content), as the kubelet's image
/// manager does with imagePullPolicy IfNotPresent and the runtime's content store (pkg/kubelet/images/image_manager.go).
/// </summary>
internal sealed class ImageStore(BuildahCli buildah, ImageSource source)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<PulledImage>>> _byDigest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _digestByImage = new(StringComparer.Ordinal);

    public async Task<PullResult> PullAsync(string image, string pullPolicy, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var location = source.Locate(image);
        if (location is null)
        {
            return new PullResult(null, false, clock.Elapsed, $"{image}: not served by the configured registry or registries.conf");
        }

        // IfNotPresent/Never with an image pulled before: no registry round trip, as on a node.
        if (pullPolicy != "Always" && _digestByImage.TryGetValue(image, out var known) && _byDigest.TryGetValue(known, out var done) && done.Value.IsCompletedSuccessfully)
        {
            return new PullResult(done.Value.Result, true, clock.Elapsed, null);
        }

        var (digest, error) = await source.DigestAsync(location, cancellationToken).ConfigureAwait(false);
        if (digest is null)
        {
            return new PullResult(null, false, clock.Elapsed, error);
        }

        var lazy = _byDigest.GetOrAdd(digest, d => new Lazy<Task<PulledImage>>(() => PullByDigestAsync(image, location, d)));
        try
        {
            var pulled = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            _digestByImage[image] = digest;
            // Content already pulled under another name costs no download, but the name is new: a pull, as with containerd.
            return new PullResult(pulled, false, clock.Elapsed, null);
        }
        catch (InvalidOperationException e)
        {
            _byDigest.TryRemove(new KeyValuePair<string, Lazy<Task<PulledImage>>>(digest, lazy));
            return new PullResult(null, false, clock.Elapsed, e.Message);
        }
    }

    private async Task<PulledImage> PullByDigestAsync(string image, ImageLocation location, string digest)
    {
        // By the user's name (so registries.conf rewrites it, as for a user), pinned to the digest just resolved.
        var (host, _, _) = Kubelet.ImageChecker.ParseReference(image);
        var pinned = RepositoryOf(host is null ? ImageSource.FullyQualified(image) : image) + "@" + digest;
        string[] tls = location.PlainHttp ? ["--tls-verify=false"] : [];
        var pull = await buildah.RunAsync(["pull", "--quiet", .. tls, pinned], CancellationToken.None).ConfigureAwait(false);
        if (!pull.Ok)
        {
            throw new InvalidOperationException($"failed to pull and unpack image \"{pinned}\": {pull.Message}");
        }

        var imageId = pull.Output.Trim().Split('\n')[^1].Trim();
        var inspect = await buildah.RunAsync(["inspect", "--type", "image", imageId], CancellationToken.None).ConfigureAwait(false);
        if (!inspect.Ok)
        {
            throw new InvalidOperationException($"failed to inspect image {imageId}: {inspect.Message}");
        }

        return new PulledImage(imageId, digest, ImageConfig.FromInspect(inspect.Output));
    }

    /// <summary>"docker.io/library/busybox:1" -> "docker.io/library/busybox".</summary>
    private static string RepositoryOf(string fullyQualified)
    {
        var at = fullyQualified.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return fullyQualified[..at];
        }

        var colon = fullyQualified.LastIndexOf(':');
        return colon > fullyQualified.LastIndexOf('/') ? fullyQualified[..colon] : fullyQualified;
    }
}
