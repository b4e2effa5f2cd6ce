namespace E2ePs.Engine.Scaffolding;

/// <summary>A job's values after validation and defaults: what the manifest builder sets on the objects.</summary>
public sealed class JobSpecification
{
    /// <summary>Short name.</summary>
    public required string Name { get; init; }

    /// <summary>Namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>Test target.</summary>
    public required string TestPath { get; init; }

    /// <summary>Image of the test container.</summary>
    public required string Image { get; init; }

    /// <summary>Git URL to clone.</summary>
    public required string Repository { get; init; }

    /// <summary>Branch to clone.</summary>
    public required string Branch { get; init; }

    /// <summary>Value of app.kubernetes.io/part-of: the repository's name.</summary>
    public string? PartOf { get; init; }

    /// <summary>User environment variables, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    /// <summary>Environment variables read from Secrets, in order.</summary>
    public IReadOnlyList<SecretEnvReference> SecretEnv { get; init; } = [];

    /// <summary>CPU request.</summary>
    public string CpuRequest { get; init; } = "500m";

    /// <summary>CPU limit.</summary>
    public string CpuLimit { get; init; } = "2";

    /// <summary>Memory request.</summary>
    public string MemoryRequest { get; init; } = "2Gi";

    /// <summary>Memory limit.</summary>
    public string MemoryLimit { get; init; } = "4Gi";

    /// <summary>Retries before the Job fails; null keeps the template's.</summary>
    public int? BackoffLimit { get; init; }

    /// <summary>Deadline in seconds; null keeps the template's.</summary>
    public long? ActiveDeadlineSeconds { get; init; }

    /// <summary>Seconds a finished Job is kept; null keeps the template's.</summary>
    public int? TtlSecondsAfterFinished { get; init; }

    /// <summary>Secret with git credentials.</summary>
    public string? GitCredentialSecret { get; init; }

    /// <summary>The pod's imagePullSecrets.</summary>
    public IReadOnlyList<string> ImagePullSecrets { get; init; } = [];
}

/// <summary>An environment variable whose value is the key <paramref name="Key"/> of the Secret <paramref name="Secret"/>.</summary>
/// <param name="Name">Variable name.</param>
/// <param name="Secret">Secret name, in the job's namespace.</param>
/// <param name="Key">Key in the Secret.</param>
public sealed record SecretEnvReference(string Name, string Secret, string Key);
