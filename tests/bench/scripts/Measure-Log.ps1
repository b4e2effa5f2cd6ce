# Logs: Get-E2eLog -Follow of the named jobs, one after the other as a pipeline binds them, to Out-Null;
# with -Timestamps as "<timestamp> <text>" strings instead of objects. Timed after a warm-up read of one line.
#   pwsh -NoProfile -File Measure-Log.ps1 -Module ./E2ePs.psd1 -Kubeconfig $kc -Namespace logs -Name test-log10-e2e
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $Kubeconfig,
    [Parameter(Mandatory)][string] $Namespace,
    [Parameter(Mandatory)][string[]] $Name,
    [switch] $Timestamps
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')
# pwsh -File passes "a,b" as one string.
$Name = $Name -split ','

Import-Module $Module
$jobs = $Name | ForEach-Object { [pscustomobject] @{ Name = $_; Namespace = $Namespace; Kubeconfig = $Kubeconfig } }
# Warm up: follow the last line of the first job, so the engine is loaded and the follow path has run once.
$null = $jobs[0] | Get-E2eLog -Follow -Tail 1
Write-Fact 'memory-before-kb' (Get-PeakMemoryKilobytes)

$clock = [Diagnostics.Stopwatch]::StartNew()
if ($Timestamps) {
    $jobs | Get-E2eLog -Follow -Timestamps | Out-Null
}
else {
    $jobs | Get-E2eLog -Follow | Out-Null
}
Write-Fact 'log-ms' $clock.Elapsed.TotalMilliseconds
Write-Fact 'memory-peak-kb' (Get-PeakMemoryKilobytes)
