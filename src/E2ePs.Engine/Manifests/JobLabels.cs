namespace E2ePs.Engine.Manifests;

/// <summary>The labels and annotations E2ePs puts on what it creates, so later cmdlets can find it.</summary>
public static class JobLabels
{
    /// <summary>Marks every object of an E2ePs job; its value is the job's short name.</summary>
    public const string E2eJob = "e2eps.io/job";

    /// <summary>The run id of a started Job and its pods.</summary>
    public const string RunId = "e2eps.io/run-id";

    /// <summary>Annotation on a run's Job: the git repository it cloned.</summary>
    public const string RepositoryAnnotation = "e2eps.io/repository";

    /// <summary>Annotation on a run's Job: the branch it cloned.</summary>
    public const string BranchAnnotation = "e2eps.io/branch";

    /// <summary>Annotation on a run's Job: the exact commit it checked out.</summary>
    public const string CommitAnnotation = "e2eps.io/commit";

    /// <summary>Recommended label: the application name.</summary>
    public const string AppName = "app.kubernetes.io/name";

    /// <summary>Recommended label: the component.</summary>
    public const string AppComponent = "app.kubernetes.io/component";

    /// <summary>Recommended label: the higher-level application.</summary>
    public const string AppPartOf = "app.kubernetes.io/part-of";

    /// <summary>Recommended label: the tool that manages the object.</summary>
    public const string AppManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>Annotation: the test target.</summary>
    public const string TestPathAnnotation = "e2eps.io/test-path";

    /// <summary>Annotation: the template.</summary>
    public const string TemplateAnnotation = "e2eps.io/template";

    /// <summary>Annotation: the runner file name.</summary>
    public const string RunnerAnnotation = "e2eps.io/runner";

    /// <summary>Name of the test container.</summary>
    public const string TestContainer = "test-runner";

    /// <summary>Name of the init container that clones the repository.</summary>
    public const string CloneContainer = "clone-repo";

    /// <summary>Environment variable that hands the test target to the runner.</summary>
    public const string TestPathVariable = "E2EPS_TEST_PATH";

    /// <summary>Environment variable of the clone init container: the exact commit to check out (empty: the branch's tip).</summary>
    public const string CommitVariable = "GIT_COMMIT";

    /// <summary>Environment variable with the job's short name.</summary>
    public const string JobVariable = "E2EPS_JOB";

    /// <summary>Prefix of the environment variables E2ePs owns.</summary>
    public const string ReservedVariablePrefix = E2ePs.Validation.ValueRules.ReservedVariablePrefix;

    /// <summary>Name of the volume that mounts the git credentials Secret.</summary>
    public const string GitCredentialsVolume = "git-credentials";

    /// <summary>Where the git credentials Secret is mounted in the init container.</summary>
    public const string GitCredentialsMountPath = "/etc/e2eps/git";
}
