using E2ePs.Models;

namespace E2ePs.Contracts;

/// <summary>Turns a <see cref="NewJobRequest"/> into files, all or nothing.</summary>
public interface IJobScaffolder
{
    /// <summary>
    /// Validates the request and renders every file in memory. Writes nothing, so -WhatIf can show
    /// exactly what would be written. Throws <see cref="E2eException"/> for bad input.
    /// </summary>
    ScaffoldPlan Plan(NewJobRequest request);

    /// <summary>
    /// Writes the planned files. Without <paramref name="force"/>, fails naming every existing file and
    /// writes none; on any failure, leaves the repository as it was.
    /// </summary>
    E2eJob Write(ScaffoldPlan plan, bool force);

    /// <summary>Names of the templates found under <paramref name="templateRoot"/>.</summary>
    IReadOnlyList<string> ListTemplates(string templateRoot);
}

/// <summary>What New-E2eJob would write: the job it describes and each file with its content.</summary>
public sealed class ScaffoldPlan
{
    /// <summary>Creates a plan.</summary>
    public ScaffoldPlan(E2eJob job, IReadOnlyList<PlannedFile> files)
    {
        Job = job;
        Files = files;
    }

    /// <summary>The job definition the files describe.</summary>
    public E2eJob Job { get; }

    /// <summary>The files, with full paths.</summary>
    public IReadOnlyList<PlannedFile> Files { get; }

    /// <summary>What the user should know before the files are written (a secret in clear, a credential dropped).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>One file of a plan.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Content">UTF-8 text content.</param>
/// <param name="Executable">Whether the file gets the executable bit on Unix.</param>
public sealed record PlannedFile(string Path, string Content, bool Executable);
