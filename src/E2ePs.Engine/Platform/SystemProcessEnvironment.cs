namespace E2ePs.Engine.Platform;

/// <summary>The environment of this process, read at the moment it is asked (a variable set later counts).</summary>
public sealed class SystemProcessEnvironment : IProcessEnvironment
{
    /// <inheritdoc />
    public string? Variable(string name) => Environment.GetEnvironmentVariable(name);

    /// <inheritdoc />
    public string HomeFolder => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <inheritdoc />
    public IReadOnlyList<string> SearchPath => ExecutableLookup.SplitSearchPath(Variable("PATH"));

    /// <inheritdoc />
    public string CurrentDirectory => Environment.CurrentDirectory;
}
