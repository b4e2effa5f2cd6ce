using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Get-E2eResult: the test cases of a run, read from the JUnit report its test container wrote to the
/// log, and optionally the report saved as a file for a CI system to publish. Binds by property name
/// to an E2eRun or E2eJob piped in, like Get-E2eLog.
/// </summary>
[Cmdlet(VerbsCommon.Get, "E2eResult", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "Get-E2eResult.md")]
[OutputType(typeof(E2eTestCase), typeof(E2eTestResult))]
public sealed class GetE2eResultCommand : ClusterCmdlet
{
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Short names (or Kubernetes names) of jobs: each means its newest run.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>
    /// The Kubernetes name of one run's Job, bound by property name from an E2eRun piped in (its JobName,
    /// with its Uid): a run has a Job of its own (test-&lt;name&gt;-e2e-&lt;run&gt;), so the short name alone
    /// does not say which. Not shown: a user names a job with -Name.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? JobName { get; set; }

    /// <summary>UID of the Job, from an E2eRun: the results of that run, not of a later one of the same name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Uid { get; set; }

    /// <summary>Save the JUnit XML the pod wrote to this file, or into this folder as TEST-&lt;job name&gt;.xml.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>Write one summary object (counts and cases) a run instead of one object a test case.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            Read(name);
        }
    }

    private void Read(string name)
    {
        ResultReading reading;
        try
        {
            var run = RunToRead(name, JobName, Uid);
            var request = new ResultRequest { Target = TargetOf(run), JobName = run.JobName, Uid = string.IsNullOrEmpty(run.Uid) ? null : run.Uid };
            // Ctrl+C: Await lets the read close its log stream, then stops the pipeline; nothing is saved.
            reading = Await(Engine.Results.ReadAsync(request, CancellationToken));
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
            return;
        }

        var result = reading.Result;
        WriteVerbose($"{result.Namespace}/{result.JobName}: run {result.RunStatus}, report {result.ReportStatus}, {result.Passed} passed, {result.Failed} failed, {result.Skipped} skipped.");
        if (reading.Problem is { } problem)
        {
            WriteE2eError(problem);
        }
        else if (OutFile is not null)
        {
            Save(result);
        }

        if (Summary)
        {
            WriteObject(result);
        }
        else
        {
            WriteObject(result.Cases, enumerateCollection: true);
        }
    }

    private void Save(E2eTestResult result)
    {
        var path = ResolveFileSystemPath(OutFile);
        if (Directory.Exists(path))
        {
            path = System.IO.Path.Combine(path, $"TEST-{result.JobName}.xml");
        }

        if (!_written.Add(path))
        {
            WriteE2eError(new E2eException("OutFileConflict", E2eErrorCategory.ResourceExists, path,
                $"The report of {result.Namespace}/{result.JobName} was not saved: '{path}' already holds the report of another run of this command.")
            {
                RecommendedAction = "Pass an existing folder to -OutFile: each run's report is saved in it as TEST-<job name>.xml.",
            });
            return;
        }

        if (!ShouldProcess(path, $"Save the JUnit report of {result.Namespace}/{result.JobName} ({result.ReportLength} bytes)"))
        {
            return;
        }

        try
        {
            Engine.Results.SaveReport(result, path);
            WriteVerbose($"Saved the JUnit report of {result.JobName} to '{path}'.");
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }
}
