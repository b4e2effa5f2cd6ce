namespace E2ePs.Models;

/// <summary>How one test case ended, as its JUnit report says.</summary>
public enum E2eTestOutcome
{
    /// <summary>The case ran and passed.</summary>
    Passed,
    /// <summary>The case failed an assertion or raised an error (JUnit &lt;failure&gt; or &lt;error&gt;).</summary>
    Failed,
    /// <summary>The case was skipped (JUnit &lt;skipped&gt;, or a status of Skipped or NotRun).</summary>
    Skipped,
}
