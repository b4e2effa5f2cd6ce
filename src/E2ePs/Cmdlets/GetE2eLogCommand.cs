using System.Globalization;
using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>
/// Get-E2eLog: the logs of every pod of a job, init containers first, each line an object written as
/// it arrives. Binds by property name to an E2eRun or E2eJob piped in.
/// </summary>
[Cmdlet(VerbsCommon.Get, "E2eLog", HelpUri = HelpLinks.Base + "Get-E2eLog.md")]
[OutputType(typeof(E2eLogLine), typeof(string))]
public sealed class GetE2eLogCommand : ClusterCmdlet
{
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

    /// <summary>UID of the Job, from an E2eRun: only the pods of that run, not of an earlier Job of the same name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Uid { get; set; }

    /// <summary>Stream the log until the test container ends, waiting for a pod still being created.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Only this container, for example clone-repo or test-runner.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string? Container { get; set; }

    /// <summary>Only the last lines of each container.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>Only lines newer than this, for example (New-TimeSpan -Minutes 5).</summary>
    [Parameter]
    public TimeSpan? Since { get; set; }

    /// <summary>Write each line as text, prefixed with its timestamp, instead of as an object.</summary>
    [Parameter]
    public SwitchParameter Timestamps { get; set; }

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
        LogRequest request;
        try
        {
            request = Request(name);
        }
        catch (E2eException error)
        {
            // An invalid -Name or -Namespace: said as such, not as "not found" from the cluster; no run: JobNotFound.
            WriteE2eError(error);
            return;
        }

        string? section = null;
        try
        {
            foreach (var line in Drain(Engine.Cluster.ReadLogsAsync(request, CancellationToken)))
            {
                if (line.Source != section)
                {
                    section = line.Source;
                    line.SectionStart = string.IsNullOrEmpty(Container);
                    WriteVerbose($"Log of {(line.InitContainer ? "init container" : "container")} {line.Container} of pod {line.Pod}");
                }

                Write(line);
            }
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    private LogRequest Request(string name)
    {
        var run = RunToRead(name, JobName, Uid);
        return new()
        {
            Target = TargetOf(run),
            JobName = run.JobName,
            Uid = string.IsNullOrEmpty(run.Uid) ? null : run.Uid,
            Follow = Follow,
            Container = Container,
            Tail = Tail,
            Since = Since,
        };
    }

    private void Write(E2eLogLine line)
    {
        if (Timestamps)
        {
            // Invariant: under a culture such as fi-FI, ':' in a format string is its time separator ('.').
            WriteObject(line.Timestamp is { } timestamp
                ? timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + " " + line.Message
                : line.Message);
        }
        else
        {
            WriteObject(line);
        }
    }
}
