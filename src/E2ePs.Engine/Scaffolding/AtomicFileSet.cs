using E2ePs.Contracts;

namespace E2ePs.Engine.Scaffolding;

/// <summary>
/// Writes a set of files all or nothing: every file is first written to a temporary file beside its
/// target, then the temporaries are moved into place. A failure at any step removes the temporaries,
/// restores what was replaced and deletes the folders it created, so no half-written job is left.
/// </summary>
public static class AtomicFileSet
{
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
        var staged = new List<(string Temporary, string Target)>();
        var backups = new List<(string Backup, string Target)>();
        var placed = new List<string>();
        try
        {
            foreach (var file in files)
            {
                CreateFolder(Path.GetDirectoryName(file.Path)!, createdFolders);
                var temporary = file.Path + $".e2eps-{Guid.NewGuid():N}.tmp";
                staged.Add((temporary, file.Path));
                File.WriteAllText(temporary, file.Content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                if (file.Executable && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, File.GetUnixFileMode(temporary) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }
            }

            foreach (var (temporary, target) in staged)
            {
                if (File.Exists(target))
                {
                    var backup = target + $".e2eps-{Guid.NewGuid():N}.bak";
                    File.Move(target, backup);
                    backups.Add((backup, target));
                }

                File.Move(temporary, target);
                placed.Add(target);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            RollBack(staged, placed, backups, createdFolders);
            throw new E2eException("JobFilesWriteFailed", E2eErrorCategory.WriteError, files[0].Path,
                $"Writing the job's files failed, and nothing was written: {error.Message}", error)
            {
                RecommendedAction = $"Check that the folders under '{Path.GetDirectoryName(files[0].Path)}' are writable.",
            };
        }

        foreach (var (backup, _) in backups)
        {
            File.Delete(backup);
        }
    }

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

    private static void RollBack(
        List<(string Temporary, string Target)> staged,
        List<string> placed,
        List<(string Backup, string Target)> backups,
        List<string> createdFolders)
    {
        foreach (var target in placed)
        {
            TryDelete(target);
        }

        foreach (var (temporary, _) in staged)
        {
            TryDelete(temporary);
        }

        foreach (var (backup, target) in backups)
        {
            try
            {
                File.Move(backup, target, overwrite: true);
            }
            catch (IOException)
            {
                // The backup stays beside the target under a recognisable name; nothing is lost.
            }
        }

        for (var i = createdFolders.Count - 1; i >= 0; i--)
        {
            try
            {
                Directory.Delete(createdFolders[i]);
            }
            catch (IOException)
            {
                // Not empty: something else wrote there meanwhile; leave it.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
