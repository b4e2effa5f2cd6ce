namespace E2ePs.Engine.Platform;

/// <summary>
/// An environment given as a table of variables: what a test or a caller with an environment of its
/// own hands the engine. The home folder is HOME (USERPROFILE on Windows), PATH the search path.
/// </summary>
public sealed class DictionaryProcessEnvironment(IReadOnlyDictionary<string, string?> variables, string? currentDirectory = null) : IProcessEnvironment
{
    private readonly Dictionary<string, string?> _variables = new(variables ?? throw new ArgumentNullException(nameof(variables)),
        OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    /// <inheritdoc />
    public string? Variable(string name) => _variables.TryGetValue(name, out var value) ? value : null;

    /// <inheritdoc />
    public string HomeFolder => Variable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME") ?? "";

    /// <inheritdoc />
    public IReadOnlyList<string> SearchPath => ExecutableLookup.SplitSearchPath(Variable("PATH"));

    /// <inheritdoc />
    public string CurrentDirectory { get; } = currentDirectory ?? Directory.GetCurrentDirectory();
}
