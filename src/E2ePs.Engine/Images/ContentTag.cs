using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace E2ePs.Engine.Images;

/// <summary>
/// The content tag of an image: content-&lt;hash&gt;, where the hash covers the Dockerfile, the build
/// arguments and every file its COPY and ADD instructions take from the context (path, executable
/// bit and bytes), leaving out what .dockerignore excludes. Two builds with the same inputs get the
/// same tag; any change to what the image is made of gives a new one, so a cluster can never run a
/// stale image that happens to share a tag.
/// </summary>
public static class ContentTag
{
    /// <summary>Prefix of every content tag.</summary>
    public const string Prefix = "content-";

    private const int HexLength = 16;

    /// <summary>Computes the tag.</summary>
    public static string Compute(string contextPath, string dockerfilePath, IReadOnlyDictionary<string, string>? buildArguments)
    {
        var context = Path.GetFullPath(contextPath);
        var dockerfileText = File.ReadAllText(dockerfilePath);
        var ignore = DockerIgnore.Load(context, dockerfilePath);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Add(hash, "dockerfile", File.ReadAllBytes(dockerfilePath));
        foreach (var (key, value) in (buildArguments ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Add(hash, "arg", Encoding.UTF8.GetBytes($"{key}={value}"));
        }

        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var source in DockerfileSources.Parse(dockerfileText))
        {
            if (source.Contains("://", StringComparison.Ordinal) || source.StartsWith("git@", StringComparison.Ordinal))
            {
                Add(hash, "url", Encoding.UTF8.GetBytes(source));
                continue;
            }

            var matched = Resolve(context, DockerIgnore.Normalize(source), ignore, files);
            if (!matched)
            {
                // The build will fail on it; the tag still has to differ from one where it exists.
                Add(hash, "missing", Encoding.UTF8.GetBytes(source));
            }
        }

        foreach (var relative in files)
        {
            var full = Path.Combine(context, relative);
            var info = new FileInfo(full);
            if (info.LinkTarget is { } target)
            {
                Add(hash, "link", Encoding.UTF8.GetBytes(relative + "\0" + target));
                continue;
            }

            var executable = !OperatingSystem.IsWindows() && (info.UnixFileMode & UnixFileMode.UserExecute) != 0;
            Add(hash, "file", Encoding.UTF8.GetBytes(relative + (executable ? "\0x" : "\0-")));
            using var stream = File.OpenRead(full);
            Add(hash, "content", SHA256.HashData(stream));
        }

        return Prefix + Convert.ToHexString(hash.GetHashAndReset())[..HexLength].ToLowerInvariant();
    }

    private static bool Resolve(string context, string source, DockerIgnore ignore, SortedSet<string> files)
    {
        if (source.IndexOfAny(['*', '?', '[']) < 0)
        {
            var full = source.Length == 0 ? context : Path.Combine(context, source);
            if (File.Exists(full) || new FileInfo(full).LinkTarget is not null)
            {
                if (!ignore.IsExcluded(source))
                {
                    files.Add(source);
                }

                return true;
            }

            if (Directory.Exists(full))
            {
                AddTree(context, full, ignore, files);
                return true;
            }

            return false;
        }

        // A wildcard: match it against every path of the context, file or folder.
        var pattern = new Regex(DockerIgnore.ToRegex(source), RegexOptions.CultureInvariant);
        var matched = false;
        foreach (var entry in Directory.EnumerateFileSystemEntries(context, "*", SearchOption.AllDirectories))
        {
            var relative = Relative(context, entry);
            if (!pattern.IsMatch(relative) || ignore.IsExcluded(relative))
            {
                continue;
            }

            matched = true;
            if (Directory.Exists(entry))
            {
                AddTree(context, entry, ignore, files);
            }
            else
            {
                files.Add(relative);
            }
        }

        return matched;
    }

    private static void AddTree(string context, string folder, DockerIgnore ignore, SortedSet<string> files)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var file in Directory.EnumerateFiles(folder, "*", options))
        {
            var relative = Relative(context, file);
            if (!ignore.IsExcluded(relative))
            {
                files.Add(relative);
            }
        }
    }

    private static string Relative(string context, string path) =>
        Path.GetRelativePath(context, path).Replace('\\', '/');

    private static void Add(IncrementalHash hash, string kind, byte[] data)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(kind));
        hash.AppendData([0]);
        hash.AppendData(BitConverter.GetBytes((long)data.Length));
        hash.AppendData(data);
    }
}
