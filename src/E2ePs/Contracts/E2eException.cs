namespace E2ePs.Contracts;

/// <summary>
/// How the engine reports a failure the user can act on. The cmdlet layer turns it into an
/// ErrorRecord; the category names are those of PowerShell's ErrorCategory so the mapping is by name
/// and the engine needs no reference to System.Management.Automation.
/// </summary>
public class E2eException : Exception
{
    /// <summary>Creates an exception with an error id, a category and the object the error is about.</summary>
    public E2eException(string errorId, E2eErrorCategory category, object? target, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    /// <summary>Stable identifier, the first part of FullyQualifiedErrorId.</summary>
    public string ErrorId { get; }

    /// <summary>The error category, by PowerShell ErrorCategory name.</summary>
    public E2eErrorCategory Category { get; }

    /// <summary>The object the error is about: a path, a name, a job.</summary>
    public object? Target { get; }

    /// <summary>What the user should do next, shown as the ErrorRecord's recommended action.</summary>
    public string? RecommendedAction { get; init; }
}

/// <summary>Error categories the engine uses; each name exists in System.Management.Automation.ErrorCategory.</summary>
public enum E2eErrorCategory
{
    /// <summary>Not specified.</summary>
    NotSpecified,
    /// <summary>An argument is invalid.</summary>
    InvalidArgument,
    /// <summary>Data read is malformed.</summary>
    InvalidData,
    /// <summary>The operation is not valid in the current state.</summary>
    InvalidOperation,
    /// <summary>The result is not what was expected.</summary>
    InvalidResult,
    /// <summary>Something named does not exist.</summary>
    ObjectNotFound,
    /// <summary>Something to create already exists.</summary>
    ResourceExists,
    /// <summary>Something needed is not available.</summary>
    ResourceUnavailable,
    /// <summary>Access was denied.</summary>
    PermissionDenied,
    /// <summary>Authentication failed.</summary>
    AuthenticationError,
    /// <summary>A security check failed (for example TLS).</summary>
    SecurityError,
    /// <summary>A connection failed.</summary>
    ConnectionError,
    /// <summary>The operation timed out.</summary>
    OperationTimeout,
    /// <summary>The operation was stopped.</summary>
    OperationStopped,
    /// <summary>A file or stream could not be opened.</summary>
    OpenError,
    /// <summary>Reading failed.</summary>
    ReadError,
    /// <summary>Writing failed.</summary>
    WriteError,
    /// <summary>A required program is not installed.</summary>
    NotInstalled,
    /// <summary>A limit was exceeded.</summary>
    LimitsExceeded,
}
