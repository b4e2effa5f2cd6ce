# PowerShell's own cost per object, the floor under Get-E2eLog's objects: a C# cmdlet that only writes -Count
# strings (or E2eLogLine objects, shown through E2ePs's adapter) of -Length characters, | Out-Null or > file,
# in this fresh pwsh, timed like Measure-Log.ps1 (CPU of the process, all threads). Not part of the bench run.
#   pwsh -NoProfile -File Measure-PipelineFloor.ps1 -Module ./E2ePs.psd1 -Count 100000 -Kind Strings -To File
param(
    [Parameter(Mandatory)][string] $Module,
    [int] $Count = 100000,
    [int] $Length = 138,
    [ValidateSet('Strings', 'LogLines')][string] $Kind = 'Strings',
    [ValidateSet('Null', 'File')][string] $To = 'Null'
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')
Import-Module $Module
$source = @'
using System.Management.Automation;
namespace E2ePsBench
{
    [Cmdlet("Write", "FloorObject")]
    public sealed class WriteFloorObjectCommand : PSCmdlet
    {
        [Parameter] public int Count { get; set; }
        [Parameter] public int Length { get; set; }
        // E2ePs.Models.E2eLogLine for objects (made through reflection: this assembly does not reference E2ePs); null for strings.
        [Parameter] public System.Type LineType { get; set; }
        protected override void ProcessRecord()
        {
            var text = new string('x', Length);
            var messageProperty = LineType == null ? null : LineType.GetProperty("Message");
            for (var i = 0; i < Count; i++)
            {
                var message = text.Substring(0, Length - 9) + i.ToString("D9");
                if (LineType == null)
                {
                    WriteObject(message);
                }
                else
                {
                    var line = System.Activator.CreateInstance(LineType);
                    messageProperty.SetValue(line, message);
                    WriteObject(line);
                }
            }
        }
    }
}
'@
$assembly = (Add-Type -TypeDefinition $source -PassThru)[0].Assembly
Import-Module -Assembly $assembly
$lineType = $null
if ($Kind -eq 'LogLines') {
    $lineType = [E2ePs.Models.E2eLogLine]
    # What Get-E2eLog does before its first line: register E2eLogLine's adapter in this runspace.
    Update-TypeData -TypeName E2ePs.Models.E2eLogLine -TypeAdapter ([E2ePs.LogOutput.LogLineAdapter]) -Force
}
$file = Join-Path ([IO.Path]::GetTempPath()) ("e2eps-bench-floor-$PID.txt")
$process = [Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $process.TotalProcessorTime
$clock = [Diagnostics.Stopwatch]::StartNew()
if ($To -eq 'File') {
    Write-FloorObject -Count $Count -Length $Length -LineType $lineType > $file
} else {
    Write-FloorObject -Count $Count -Length $Length -LineType $lineType | Out-Null
}
Write-Fact 'floor-ms' $clock.Elapsed.TotalMilliseconds
$process.Refresh()
Write-Fact 'floor-cpu-ms' ($process.TotalProcessorTime - $cpuBefore).TotalMilliseconds
Remove-Item -LiteralPath $file -ErrorAction Ignore
