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
    /// the current location), found by <see cref="FindJobs"/>. A name that matches nothing is a non-terminating JobNotFound error.
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

        // Names and patterns as Get-E2eJob takes them, found the same way (no name is no job here, not all).
        var given = names?.ToArray() ?? [];
        if (given.Length == 0)
        {
            yield break;
        }

        foreach (var job in FindJobs(resolved, given))
        {
            yield return (job, job.ManifestPath);
        }
    }

    /// <summary>
    /// The jobs of the repository at <paramref name="root"/> whose short names match <paramref name="names"/>
    /// (all when none), as Get-E2eJob and Build-E2eImage find them; writes a non-terminating error for
    /// each name that matches no job or no job can have, and for each manifest that cannot be read.
    /// </summary>
    protected IEnumerable<E2eJob> FindJobs(string root, string[]? names)
    {
        // -Name follows PowerShell's wildcard rules ('*', '?', '[1-3]') as Get-Process does: a name
        // without wildcards that matches no job is a non-terminating ObjectNotFound error, a pattern that
        // matches none is not an error, and a malformed pattern stops the command. A name without
        // wildcards that no job can have (UPPER, bad_name) is InvalidJobName rather than "not found".
        var patterns = new List<string>();
        var exact = new List<string>();
        foreach (var name in names ?? [])
        {
            try
            {
                if (E2ePs.Validation.ValueRules.ContainsWildcard(name))
                {
                    _ = E2ePs.Validation.ValueRules.NameMatcher(name);
                    patterns.Add(name);
                }
                else
                {
                    var shortName = E2ePs.Validation.ValueRules.ShortName(E2ePs.Validation.ValueRules.KubernetesJobName(name))!;
                    patterns.Add(shortName);
                    exact.Add(shortName);
                }
            }
            catch (E2eException error) when (error.ErrorId == "InvalidWildcardPattern")
            {
                ThrowE2eError(error);
            }
            catch (E2eException error)
            {
                WriteE2eError(error);
            }
        }

        if (names is { Length: > 0 } && patterns.Count == 0)
        {
            yield break;
        }

        foreach (var result in Engine.Catalog.Find(root, patterns))
        {
            if (result.Job is not null)
            {
                yield return result.Job;
            }
            else if (result.Error is not null)
            {
                WriteE2eError(result.Error);
            }
        }

        // Not found means no manifest file: a manifest that exists but cannot be read has had its own error.
        var defined = new HashSet<string>(Engine.Catalog.ListNames(root), StringComparer.Ordinal);
        foreach (var name in exact.Where(n => !defined.Contains(n)))
        {
            WriteE2eError(new E2eException("JobNotFound", E2eErrorCategory.ObjectNotFound, name,
                $"There is no E2E job '{name}' in '{root}' (no deploy/k8s/99-test-{name}-e2e.yaml).")
            {
                RecommendedAction = "List the jobs with Get-E2eJob, or create this one with New-E2eJob.",
            });
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
