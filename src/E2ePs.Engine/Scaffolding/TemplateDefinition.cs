using E2ePs.Contracts;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace E2ePs.Engine.Scaffolding;

/// <summary>
/// A job template: templates/&lt;name&gt;/ with template.yaml (runner, command, environment), a Dockerfile
/// and the runner script. All templates share templates/job-manifest.yaml as their base manifest.
/// </summary>
public sealed class TemplateDefinition
{
    /// <summary>File that every template folder has.</summary>
    public const string DescriptorFile = "template.yaml";

    /// <summary>The shared base manifest, at the root of the template folder.</summary>
    public const string BaseManifestFile = "job-manifest.yaml";

    /// <summary>Placeholder in a Dockerfile for the job's folder, relative to the repository root.</summary>
    public const string JobDirectoryToken = "{{JobDirectory}}";

    /// <summary>Template name (its folder name).</summary>
    public string Name { get; private set; } = "";

    /// <summary>Folder of the template.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>One line that says what the template runs.</summary>
    public string Description { get; set; } = "";

    /// <summary>File name of the runner script.</summary>
    public string Runner { get; set; } = "";

    /// <summary>Command of the test container.</summary>
    public List<string> Command { get; set; } = [];

    /// <summary>Environment variables the template always sets.</summary>
    public Dictionary<string, string> Env { get; set; } = [];

    /// <summary>Names of the templates under <paramref name="templateRoot"/>.</summary>
    public static IReadOnlyList<string> List(string templateRoot) =>
        Directory.Exists(templateRoot)
            ? Directory.EnumerateDirectories(templateRoot)
                .Where(folder => File.Exists(Path.Combine(folder, DescriptorFile)))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>Loads a template, or throws a clear error naming the templates that exist.</summary>
    public static TemplateDefinition Load(string templateRoot, string name)
    {
        var available = List(templateRoot);
        if (!available.Contains(name, StringComparer.Ordinal))
        {
            throw new E2eException("UnknownTemplate", E2eErrorCategory.ObjectNotFound, name,
                $"There is no template '{name}' in '{templateRoot}'.")
            {
                RecommendedAction = available.Count > 0
                    ? $"Use one of: {string.Join(", ", available)}."
                    : "Reinstall E2ePs: its templates folder is missing.",
            };
        }

        var folder = Path.Combine(templateRoot, name);
        var descriptorPath = Path.Combine(folder, DescriptorFile);
        TemplateDefinition template;
        try
        {
            var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
            template = deserializer.Deserialize<TemplateDefinition>(File.ReadAllText(descriptorPath)) ?? new TemplateDefinition();
        }
        catch (YamlException error)
        {
            throw new E2eException("InvalidTemplate", E2eErrorCategory.InvalidData, descriptorPath,
                $"The template descriptor '{descriptorPath}' is not valid YAML (line {error.Start.Line}): {error.Message}", error);
        }

        template.Name = name;
        template.Folder = folder;
        if (string.IsNullOrEmpty(template.Runner) || template.Command.Count == 0 || !File.Exists(template.RunnerPath) || !File.Exists(template.DockerfilePath))
        {
            throw new E2eException("InvalidTemplate", E2eErrorCategory.InvalidData, descriptorPath,
                $"The template '{name}' must name a runner and a command, and its folder must hold the runner and a Dockerfile.");
        }

        return template;
    }

    /// <summary>Path of the template's runner script.</summary>
    public string RunnerPath => Path.Combine(Folder, Runner);

    /// <summary>Path of the template's Dockerfile.</summary>
    public string DockerfilePath => Path.Combine(Folder, "Dockerfile");
}
