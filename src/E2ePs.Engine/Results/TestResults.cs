using E2ePs.Contracts;
using E2ePs.Engine.Reporting;
using E2ePs.Models;

namespace E2ePs.Engine.Results;

/// <summary>The results half of the engine, as the cmdlets see it.</summary>
public sealed class TestResults(ResultReader reader, TestInvoker invoker, ResultReporters reporters) : ITestResults
{
    /// <inheritdoc />
    public Task<ResultReading> ReadAsync(ResultRequest request, CancellationToken cancellationToken) =>
        reader.ReadAsync(request, cancellationToken);

    /// <inheritdoc />
    public void SaveReport(E2eTestResult result, string path) => Save(result, path);

    /// <inheritdoc />
    public IAsyncEnumerable<InvokeUpdate> InvokeAsync(IReadOnlyList<InvokeRequest> requests, InvokeOptions options, CancellationToken cancellationToken) =>
        invoker.InvokeAsync(requests, options, cancellationToken);

    /// <inheritdoc />
    public IResultReporter CreateReporter(ResultReporterOptions options) => reporters.Create(options);

    /// <summary>Writes the report's bytes, unchanged, to <paramref name="path"/>.</summary>
    public static void Save(E2eTestResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (result.Report is not { } report)
        {
            throw new E2eException("NoTestReport", E2eErrorCategory.ObjectNotFound, result,
                $"{result.Namespace}/{result.JobName} has no JUnit report to save ({result.ReportStatus}).")
            {
                RecommendedAction = "Read the run's log with Get-E2eLog to see why its runner wrote no report.",
            };
        }

        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllBytes(path, report);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new E2eException("ReportNotSaved", E2eErrorCategory.WriteError, path,
                $"Cannot write the JUnit report of {result.Namespace}/{result.JobName} to '{path}': {error.Message}", error)
            {
                RecommendedAction = "Pass a path in a folder you can write to.",
            };
        }
    }
}
