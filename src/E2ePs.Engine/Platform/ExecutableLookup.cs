namespace E2ePs.Engine.Platform;

/// <summary>Finding a program in a list of folders the way a shell looks it up on PATH.</summary>
public static class ExecutableLookup
{
    /// <summary>The folders of a PATH value, empty entries left out.</summary>
    public static IReadOnlyList<string> SplitSearchPath(string? path) =>
        (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The first executable file called <paramref name="name"/> in <paramref name="folders"/>, or null.</summary>
    public static string? Find(string name, IEnumerable<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd", name } : new[] { name };
        foreach (var folder in folders)
        {
            foreach (var file in names)
            {
                string candidate;
                try
                {
                    candidate = Path.Combine(folder, file);
                }
                catch (ArgumentException)
                {
                    continue;
                }

                if (IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Whether the file exists and (outside Windows) has an execute bit.</summary>
    public static bool IsExecutable(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
