namespace E2ePs.Models;

/// <summary>
/// A job definition in a repository: the Dockerfile, runner and manifest that New-E2eJob writes
/// and Get-E2eJob reads back. Property names match the parameters of the cmdlets further down the
/// pipeline (Name, Namespace, Path, Image, Branch), so objects bind by property name.
/// </summary>
public sealed class E2eJob
{
    /// <summary>Short name, for example <c>vllm-agent-tools</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Kubernetes name of the Job, ServiceAccount, Role and RoleBinding: <c>test-&lt;name&gt;-e2e</c>.</summary>
    public string JobName { get; set; } = "";

    /// <summary>Namespace the manifest targets.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>Image reference of the test container.</summary>
    public string Image { get; set; } = "";

    /// <summary>The test target handed to the runner (a pytest node id, a Pester path, a dotnet test filter).</summary>
    public string TestPath { get; set; } = "";

    /// <summary>The template the job was scaffolded from (pytest, pester, dotnet).</summary>
    public string Template { get; set; } = "";

    /// <summary>Repository root: the build context of the image.</summary>
    public string Path { get; set; } = "";

    /// <summary>Full path of the job's Dockerfile.</summary>
    public string DockerfilePath { get; set; } = "";

    /// <summary>Full path of the runner script that the image runs.</summary>
    public string RunnerPath { get; set; } = "";

    /// <summary>Full path of the manifest (ServiceAccount, Role, RoleBinding, Job).</summary>
    public string ManifestPath { get; set; } = "";

    /// <summary>Git URL that the init container clones.</summary>
    public string Repository { get; set; } = "";

    /// <summary>Branch that the init container clones.</summary>
    public string Branch { get; set; } = "";

    /// <summary>ServiceAccount the pod runs under.</summary>
    public string ServiceAccountName { get; set; } = "";

    /// <summary>Name of the Secret with git credentials (keys username and password), if the repository is private.</summary>
    public string? GitCredentialSecret { get; set; }

    /// <summary>Environment variables of the test container, in manifest order.</summary>
    public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

    /// <summary>Environment variables of the test container read from Secrets: name → "secret/key".</summary>
    public IReadOnlyDictionary<string, string> SecretEnv { get; set; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public override string ToString() => JobName;
}
