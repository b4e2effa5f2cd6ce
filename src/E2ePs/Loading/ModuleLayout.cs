namespace E2ePs.Loading;

/// <summary>
/// Where the module's files are. The same layout holds in a built repository and in a packaged module:
/// &lt;module&gt;/bin/E2ePs.dll, &lt;module&gt;/bin/engine/, &lt;module&gt;/templates/.
/// </summary>
public static class ModuleLayout
{
    /// <summary>The module's root folder.</summary>
    public static string ModuleRoot =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(ModuleLayout).Assembly.Location)!, ".."));

    /// <summary>The templates folder.</summary>
    public static string TemplateRoot => Path.Combine(ModuleRoot, "templates");
}
