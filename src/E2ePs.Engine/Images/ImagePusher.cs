namespace E2ePs.Engine.Images;

/// <summary>Pushes a tag and finds the digest the registry stored for it.</summary>
internal static class ImagePusher
{
    /// <summary>Pushes every tag of the plan; the digest of the first push, or null when no engine told it.</summary>
    public static async Task<string?> PushAllAsync(EngineCalls calls, string workFolder)
    {
        string? digest = null;
        foreach (var tag in calls.Plan.Tags)
        {
            var pushed = await PushAsync(calls, tag, workFolder);
            digest ??= pushed;
        }

        return digest;
    }

    // podman and buildah write the digest to a file; docker prints it, or has it among the image's RepoDigests.
    private static async Task<string?> PushAsync(EngineCalls calls, string tag, string workFolder)
    {
        var plan = calls.Plan;
        var digestFile = Path.Combine(workFolder, "digest");
        File.Delete(digestFile);
        var lines = new List<string>();
        var pushed = await calls.RunAsync(EngineCommands.Push(plan.Engine, tag, digestFile, plan.Request.SkipTlsVerify), (text, _) =>
        {
            lock (lines)
            {
                lines.Add(text);
            }
        });
        if (pushed.ExitCode != 0)
        {
            throw BuildOutput.PushError(plan.Engine, tag, pushed.ExitCode, pushed.Tail);
        }

        if (File.Exists(digestFile))
        {
            var written = (await File.ReadAllTextAsync(digestFile, CancellationToken.None)).Trim();
            if (BuildOutput.IsDigest(written))
            {
                return written;
            }
        }

        string? digest;
        lock (lines)
        {
            digest = BuildOutput.FindPushedDigest(lines);
        }

        return digest is null && plan.Engine == ContainerEngines.Docker ? await RepositoryDigestAsync(calls, tag) : digest;
    }

    private static async Task<string?> RepositoryDigestAsync(EngineCalls calls, string tag)
    {
        var repository = ImageReference.Repository(tag);
        var digests = new List<string>();
        var inspected = await calls.RunAsync(EngineCommands.InspectRepoDigests(tag), (text, _) =>
        {
            lock (digests)
            {
                digests.Add(text.Trim());
            }
        });
        if (inspected.ExitCode != 0)
        {
            return null;
        }

        lock (digests)
        {
            return digests.Where(d => d.StartsWith(repository + "@", StringComparison.Ordinal))
                .Select(d => d[(repository.Length + 1)..])
                .FirstOrDefault(BuildOutput.IsDigest);
        }
    }
}
