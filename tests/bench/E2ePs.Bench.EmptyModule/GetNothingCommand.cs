using System.Management.Automation;

namespace E2ePs.Bench.EmptyModule;

/// <summary>Does nothing: its module exists so that the benchmark can price importing any binary module.</summary>
[Cmdlet(VerbsCommon.Get, "Nothing")]
[OutputType(typeof(void))]
public sealed class GetNothingCommand : PSCmdlet
{
}
