namespace E2ePs.Contracts;

/// <summary>The inputs of New-E2eJob, resolved to plain values by the cmdlet.</summary>
public sealed class NewJobRequest
{
    /// <summary>Short name (a DNS-1123 label).</summary>
    public string Name { get; set; } = "";

    /// <summary>Test target handed to the runner.</summary>
    public string TestPath { get; set; } = "";

    /// <summary>Repository root (a resolved file-system path).</summary>
    public string RepositoryRoot { get; set; } = "";

    /// <summary>Folder that holds the templates.</summary>
    public string TemplateRoot { get; set; } = "";

    /// <summary>Template name.</summary>
    public string Template { get; set; } = "pytest";

    /// <summary>Namespace; "default" when not given.</summary>
    public string? Namespace { get; set; }

    /// <summary>Registry and path prefix of the image, for example registry.example.com/team.</summary>
    public string? Registry { get; set; }

    /// <summary>Full image reference; overrides Registry and Tag.</summary>
    public string? Image { get; set; }

    /// <summary>Image tag.</summary>
    public string? Tag { get; set; }

    /// <summary>Git URL the init container clones; read from the repository's origin when absent.</summary>
    public string? Repository { get; set; }

    /// <summary>Branch the init container clones; the current branch when absent.</summary>
    public string? Branch { get; set; }

    /// <summary>Environment variables of the test container, in the order they appear in the manifest.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; set; } = [];

    /// <summary>Environment variables of the test container read from Secrets: name → "secret-name/key".</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SecretEnv { get; set; } = [];

    /// <summary>CPU request and, optionally, limit.</summary>
    public IReadOnlyList<string>? Cpu { get; set; }

    /// <summary>Memory request and, optionally, limit.</summary>
    public IReadOnlyList<string>? Memory { get; set; }

    /// <summary>Retries before the Job fails.</summary>
    public int? BackoffLimit { get; set; }

    /// <summary>Seconds the Job may run.</summary>
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>Seconds the finished Job is kept.</summary>
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>Secret with keys username and password for a private repository.</summary>
    public string? GitCredentialSecret { get; set; }

    /// <summary>Secrets of type kubernetes.io/dockerconfigjson the pod pulls its images with (imagePullSecrets).</summary>
    public IReadOnlyList<string> ImagePullSecrets { get; set; } = [];
}
