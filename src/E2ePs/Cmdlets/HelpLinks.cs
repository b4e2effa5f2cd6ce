namespace E2ePs.Cmdlets;

/// <summary>
/// Where Get-Help -Online goes: each cmdlet's page in docs/help of the project's repository. The
/// cmdlets' HelpUri and the compiled help's online link both come from here.
/// </summary>
internal static class HelpLinks
{
    /// <summary>The folder of the help pages; a cmdlet's page is &lt;Verb-Noun&gt;.md in it.</summary>
    public const string Base = "https://github.com/e2eps/E2ePs/blob/main/docs/help/";
}
