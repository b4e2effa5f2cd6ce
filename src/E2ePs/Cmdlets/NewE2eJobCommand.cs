using System.Collections;
using System.Management.Automation;
using E2ePs.Completion;
using E2ePs.Contracts;
using E2ePs.Models;

namespace E2ePs.Cmdlets;

/// <summary>New-E2eJob: scaffolds the Dockerfile, runner and manifest of an E2E job, all or nothing.</summary>
[Cmdlet(VerbsCommon.New, "E2eJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "New-E2eJob.md")]
[OutputType(typeof(E2eJob))]
public sealed class NewE2eJobCommand : E2eCmdlet
{
    /// <summary>Short name of the job; the Kubernetes objects are named test-&lt;name&gt;-e2e.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The test to run: a pytest node id or path, a Pester path, a dotnet test project.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TestPath { get; set; } = "";

    /// <summary>Root of the repository; the current location by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    public string? Path { get; set; }

    /// <summary>
    /// Hidden: the PSIsContainer of a piped file-system item. A folder piped in binds to -Path through
    /// its FullName; its Name is the folder's, not the new job's.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("PSIsContainer")]
    public bool PipedFolder { get; set; }

    /// <summary>Namespace the job runs in; "default" by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>Registry and path prefix of the image.</summary>
    [Parameter]
    public string? Registry { get; set; }

    /// <summary>Full image reference; overrides -Registry and -Tag.</summary>
    [Parameter]
    public string? Image { get; set; }

    /// <summary>Image tag; "latest" by default.</summary>
    [Parameter]
    public string? Tag { get; set; }

    /// <summary>Git URL the init container clones; the repository's origin by default.</summary>
    [Parameter]
    public string? Repository { get; set; }

    /// <summary>Branch the init container clones; the current branch by default.</summary>
    [Parameter]
    public string? Branch { get; set; }

    /// <summary>Environment variables of the test container.</summary>
    [Parameter]
    public IDictionary? Env { get; set; }

    /// <summary>Environment variables of the test container read from Kubernetes Secrets: name → 'secret-name/key'.</summary>
    [Parameter]
    public IDictionary? SecretEnv { get; set; }

    /// <summary>Template: pytest (default), pester or dotnet.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TemplateCompleter))]
    public string Template { get; set; } = "pytest";

    /// <summary>CPU request and limit: one value for both, or two (request, limit).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public string[]? Cpu { get; set; }

    /// <summary>Memory request and limit: one value for both, or two (request, limit).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public string[]? Memory { get; set; }

    /// <summary>Retries before the Job fails; 0 by default.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int? BackoffLimit { get; set; }

    /// <summary>Seconds the Job may run before Kubernetes stops it; 3600 by default.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>Seconds a finished Job is kept; 3600 by default.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>Secret with keys username and password, for cloning a private repository.</summary>
    [Parameter]
    public string? GitCredentialSecret { get; set; }

    /// <summary>Secrets of type kubernetes.io/dockerconfigjson for pulling the job's images from a private registry (the pod's imagePullSecrets).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ImagePullSecret { get; set; }

    /// <summary>Overwrite the files of an existing job.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (JobNames([Name], PipedFolder) is null)
        {
            WriteE2eError(new E2eException("JobNameRequired", E2eErrorCategory.InvalidArgument, Path,
                $"A folder was piped in, so its name '{Name}' is not taken as the new job's name. Nothing was written.")
            {
                RecommendedAction = "Name the job: Get-Item <repository> | New-E2eJob -Name <name> -TestPath <test>.",
            });
            return;
        }

        try
        {
            var plan = Engine.Scaffolder.Plan(Request());
            foreach (var warning in plan.Warnings)
            {
                WriteWarning(warning);
            }

            foreach (var file in plan.Files)
            {
                WriteVerbose($"{(File.Exists(file.Path) ? "Overwrite" : "Create")} {file.Path}");
            }

            var files = string.Join(", ", plan.Files.Select(f => f.Path));
            if (ShouldProcess(files, $"Write the E2E job '{plan.Job.JobName}'"))
            {
                WriteObject(Engine.Scaffolder.Write(plan, Force));
            }
        }
        catch (E2eException error)
        {
            WriteE2eError(error);
        }
    }

    private NewJobRequest Request() => new()
    {
        Name = Name,
        TestPath = TestPath,
        RepositoryRoot = ResolveRepositoryPath(Path),
        TemplateRoot = TemplateRoot,
        Template = Template,
        Namespace = Namespace,
        Registry = Registry,
        Image = Image,
        Tag = Tag,
        Repository = Repository,
        Branch = Branch,
        Env = TableParameter.ToList(Env),
        SecretEnv = TableParameter.ToList(SecretEnv),
        Cpu = Cpu,
        Memory = Memory,
        BackoffLimit = BackoffLimit,
        ActiveDeadlineSeconds = ActiveDeadlineSeconds,
        TtlSecondsAfterFinished = TtlSecondsAfterFinished,
        GitCredentialSecret = GitCredentialSecret,
        ImagePullSecrets = ImagePullSecret ?? [],
    };
}
