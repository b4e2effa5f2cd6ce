using E2ePs.Contracts;

namespace E2ePs.Engine.Scaffolding;

/// <summary>
/// Writes a set of files all or nothing: every file is first written to a temporary file beside its
/// target, then each temporary is renamed over its target (rename(2) replaces a file atomically and
/// leaves it untouched when it fails). The replaced files' bytes and modes are kept in memory, not in
/// backup files beside them, so a failure at any step puts every original back, removes every
/// temporary and deletes the folders it created: nothing half-written and no stray file is left.
/// </summary>
public static class AtomicFileSet
{
    /// <summary>Marker in the names of the temporary files, so that a leftover is recognisable.</summary>
    public const string TemporaryMarker = ".e2eps-";

    /// <summary>Writes <paramref name="files"/>; <paramref name="overwrite"/> allows replacing existing files.</summary>
    public static void Write(IReadOnlyList<PlannedFile> files, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!overwrite)
        {
            var existing = files.Where(f => File.Exists(f.Path)).Select(f => f.Path).ToList();
            if (existing.Count > 0)
            {
                throw new E2eException("JobFilesExist", E2eErrorCategory.ResourceExists, existing[0],
                    $"These files exist already and were left as they are: {string.Join(", ", existing)}.")
                {
                    RecommendedAction = "Use -Force to overwrite them, or choose another -Name.",
                };
            }
        }

        var createdFolders = new List<string>();
        var temporaries = new List<string>();
        var placed = new List<(string Target, Original? Original)>();
        var current = files.Count > 0 ? files[0].Path : "";
        try
        {
            var staged = new List<(string Temporary, string Target)>();
            foreach (var file in files)
            {
                current = file.Path;
                CreateFolder(Path.GetDirectoryName(file.Path)!, createdFolders);
                var temporary = Temporary(file.Path);
                temporaries.Add(temporary);
                File.WriteAllText(temporary, file.Content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                if (file.Executable && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, File.GetUnixFileMode(temporary) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }

                staged.Add((temporary, file.Path));
            }

            foreach (var (temporary, target) in staged)
            {
                current = target;
                var original = Original.Read(target);
                if (original is null && Directory.Exists(target))
                {
                    throw new IOException($"'{target}' is a folder.");
                }

                // Without -Force a file that appeared since the check above is not replaced: a move
                // without overwrite fails when the target exists.
                File.Move(temporary, target, overwrite: overwrite);
                placed.Add((target, original));
            }
        }
        catch (Exception error)
        {
            // Every failure, of any kind (a cancelled pipeline included), cleans up before it is reported.
            foreach (var temporary in temporaries)
            {
                TryDelete(temporary);
            }

            var notRestored = RollBack(placed, createdFolders);
            if (error is not (IOException or UnauthorizedAccessException))
            {
                throw;
            }


            var what = notRestored.Count == 0
                ? "nothing was written"
                : $"these files could not be put back as they were: {string.Join(", ", notRestored)}";
            throw new E2eException("JobFilesWriteFailed", E2eErrorCategory.WriteError, current,
                $"Writing '{current}' failed, and {what}: {error.Message}", error)
            {
                RecommendedAction = $"Check that '{current}' can be replaced: that it is no folder, not immutable (lsattr) and that '{Path.GetDirectoryName(current)}' is writable.",
            };
        }
    }

    private static string Temporary(string target) => target + $"{TemporaryMarker}{Guid.NewGuid():N}.tmp";

    private static void CreateFolder(string folder, List<string> created)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        CreateFolder(Path.GetDirectoryName(folder)!, created);
        Directory.CreateDirectory(folder);
        created.Add(folder);
    }

    /// <summary>Puts back what was replaced, deletes what was new; returns the files it could not put back.</summary>
    private static List<string> RollBack(List<(string Target, Original? Original)> placed, List<string> createdFolders)
    {
        var notRestored = new List<string>();
        for (var i = placed.Count - 1; i >= 0; i--)
        {
            var (target, original) = placed[i];
            if (original is null)
            {
                if (!TryDelete(target))
                {
                    notRestored.Add(target);
                }

                continue;
            }

            var temporary = Temporary(target);
            try
            {
                File.WriteAllBytes(temporary, original.Bytes);
                if (original.Mode is { } mode && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, mode);
                }

                File.Move(temporary, target, overwrite: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                TryDelete(temporary);
                notRestored.Add(target);
            }
        }

        for (var i = createdFolders.Count - 1; i >= 0; i--)
        {
            try
            {
                Directory.Delete(createdFolders[i]);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Not empty: something else wrote there meanwhile; leave it.
            }
        }

        return notRestored;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The content and mode of a file about to be replaced.</summary>
    private sealed record Original(byte[] Bytes, UnixFileMode? Mode)
    {
        public static Original? Read(string path)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            return new Original(File.ReadAllBytes(path), OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path));
        }
    }
}
