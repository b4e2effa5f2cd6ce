using System.Globalization;

namespace E2ePs.Bench;

/// <summary>Command-line options of the harness.</summary>
public sealed class BenchOptions
{
    /// <summary>The E2ePs repository, built (E2ePs.psd1 imports from it).</summary>
    public string RepositoryRoot { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>pwsh: an executable, or pwsh.dll run with dotnet.</summary>
    public string Pwsh { get; set; } = "pwsh";

    /// <summary>The kubectl to compare with.</summary>
    public string Kubectl { get; set; } = "/usr/bin/kubectl";

    /// <summary>Build configuration whose outputs (emulator, empty module) are used.</summary>
    public string Configuration { get; set; } = "Release";

    /// <summary>Repetitions of each measurement; the median is reported.</summary>
    public int Repetitions { get; set; } = 3;

    /// <summary>Only these sections (startup, wait, logs, start, scaffold); all when empty.</summary>
    public HashSet<string> Sections { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Smaller sizes, for working on the harness itself; never for the published figures.</summary>
    public bool Quick { get; set; }

    /// <summary>Where the report goes; null prints it only.</summary>
    public string? Output { get; set; }

    /// <summary>Where the chart goes; null draws none.</summary>
    public string? Chart { get; set; }

    /// <summary>Whether a section runs.</summary>
    public bool Runs(string section) => Sections.Count == 0 || Sections.Contains(section);

    /// <summary>Parses "--name value" pairs.</summary>
    public static BenchOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--repository-root": options.RepositoryRoot = Path.GetFullPath(Next()); break;
                case "--pwsh": options.Pwsh = Next(); break;
                case "--kubectl": options.Kubectl = Next(); break;
                case "--configuration": options.Configuration = Next(); break;
                case "--repetitions": options.Repetitions = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--section": options.Sections.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "--quick": options.Quick = true; break;
                case "--output": options.Output = Path.GetFullPath(Next()); break;
                case "--chart": options.Chart = Path.GetFullPath(Next()); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (options.Repetitions < 1)
        {
            throw new ArgumentException("--repetitions must be at least 1.");
        }

        return options;
    }
}
