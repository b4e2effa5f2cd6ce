namespace E2ePs.Engine.Platform;

/// <summary>
/// What the engine reads of the process it runs in: environment variables, the home folder, PATH and
/// the current directory. The engine reads them only through this seam, so a test hands it an
/// environment of its own (<see cref="DictionaryProcessEnvironment"/>) instead of changing the process's.
/// </summary>
public interface IProcessEnvironment
{
    /// <summary>The value of a variable, or null when it is not set.</summary>
    string? Variable(string name);

    /// <summary>The user's home folder (HOME, or the user profile on Windows).</summary>
    string HomeFolder { get; }

    /// <summary>The folders of PATH, in order.</summary>
    IReadOnlyList<string> SearchPath { get; }

    /// <summary>The working directory relative paths start from.</summary>
    string CurrentDirectory { get; }
}
