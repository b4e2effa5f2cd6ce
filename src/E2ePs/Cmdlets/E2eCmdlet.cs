using System.Management.Automation;
using E2ePs.Contracts;
using E2ePs.Loading;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// What every E2ePs cmdlet shares: the engine, a cancellation token that Ctrl+C cancels, path
/// resolution through the provider, and the mapping of engine errors to ErrorRecords.
/// </summary>
public abstract class E2eCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;

    /// <summary>The engine, loaded once per process into E2ePs's private load context.</summary>
    protected static IE2eEngine Engine => EngineHost.Engine;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Where the module keeps its templates: beside the folder of E2ePs.dll.</summary>
    protected static string TemplateRoot => ModuleLayout.TemplateRoot;

    /// <inheritdoc />
    protected override void StopProcessing()
    {
        _cancellation.Cancel();
        base.StopProcessing();
    }

    /// <summary>Resolves a file-system path through the provider, relative to the current location.</summary>
    protected string ResolveFileSystemPath(string? path) =>
        SessionState.Path.GetUnresolvedProviderPathFromPSPath(string.IsNullOrEmpty(path) ? "." : path);

    /// <summary>
    /// Enumerates an engine stream on the pipeline thread, so every item can be written with
    /// WriteObject; ends quietly when Ctrl+C cancels the token.
    /// </summary>
    protected IEnumerable<T> Drain<T>(IAsyncEnumerable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var enumerator = source.GetAsyncEnumerator(CancellationToken);
        try
        {
            while (true)
            {
                bool next;
                try
                {
                    next = enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                if (!next)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
            try
            {
                enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Blocks the pipeline thread on an engine task. Ctrl+C ends the wait at once, as the pipeline
    /// stopping rather than as an error.
    /// </summary>
    protected T Await<T>(Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return task.WaitAsync(CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// The jobs a cmdlet works on: the ones piped in, else the manifest file at <paramref name="path"/>,
    /// else the jobs named <paramref name="names"/> in the repository at <paramref name="path"/> (or
    /// the current location). A name that matches nothing is a non-terminating JobNotFound error.
    /// </summary>
    protected IEnumerable<(E2eJob? Job, string Manifest)> ResolveJobs(IEnumerable<E2eJob>? piped, IEnumerable<string>? names, string? path)
    {
        if (piped is not null)
        {
            foreach (var job in piped)
            {
                yield return (job, job.ManifestPath);
            }

            yield break;
        }

        var resolved = ResolveFileSystemPath(path);
        if (File.Exists(resolved))
        {
            // deploy/k8s/99-test-x-e2e.yaml: the repository root is two folders up.
            var read = Engine.Catalog.Read(resolved, System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(resolved)!, "..", "..")));
            if (read.Error is not null)
            {
                throw read.Error;
            }

            yield return (read.Job, resolved);
            yield break;
        }

        foreach (var given in names ?? [])
        {
            // The job-name rule of every cmdlet (ValueRules): UPPER or bad_name is InvalidJobName, not "not found".
            string name;
            try
            {
                name = E2ePs.Validation.ValueRules.ContainsWildcard(given) ? given : E2ePs.Validation.ValueRules.ShortName(E2ePs.Validation.ValueRules.KubernetesJobName(given))!;
            }
            catch (E2eException error)
            {
                WriteE2eError(error);
                continue;
            }

            var found = Engine.Catalog.Find(resolved, [name]).ToList();
            if (found.Count == 0)
            {
                WriteE2eError(new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, name,
                    $"There is no E2E job '{name}' in '{resolved}'.") { RecommendedAction = "List the jobs with Get-E2eJob, or pass -Path with the repository root or a manifest." });
                continue;
            }

            foreach (var result in found)
            {
                if (result.Job is not null)
                {
                    yield return (result.Job, result.Job.ManifestPath);
                }
                else if (result.Error is not null)
                {
                    WriteE2eError(result.Error);
                }
            }
        }
    }

    /// <summary>Writes a non-terminating error for one failed item; the others go on.</summary>
    protected void WriteE2eError(E2eException error) => WriteError(ToErrorRecord(error));

    /// <summary>Stops the command with an error.</summary>
    protected void ThrowE2eError(E2eException error) => ThrowTerminatingError(ToErrorRecord(error));

    /// <summary>Turns an engine error into an ErrorRecord with its id, category, target and recommended action.</summary>
    public static ErrorRecord ToErrorRecord(E2eException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var category = Enum.TryParse<ErrorCategory>(error.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(error, error.ErrorId, category, error.Target);
        if (error.RecommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = error.RecommendedAction };
        }

        return record;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the cancellation source.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _cancellation.Dispose();
        }

        _disposed = true;
    }
}
