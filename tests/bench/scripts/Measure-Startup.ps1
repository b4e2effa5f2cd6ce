# Start-up: Import-Module, then (with -Kubeconfig) a first and a second real cluster call:
# Remove-E2eJob of a job that does not exist, which reads the Job (404) and reports JobNotFound.
#   pwsh -NoProfile -File Measure-Startup.ps1 -Module ./E2ePs.psd1 -Kubeconfig $env:KUBECONFIG
param(
    [Parameter(Mandatory)][string] $Module,
    [string] $Kubeconfig
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')

$clock = [Diagnostics.Stopwatch]::StartNew()
Import-Module $Module
Write-Fact 'import-ms' $clock.Elapsed.TotalMilliseconds

if ($Kubeconfig) {
    foreach ($call in 'first', 'second') {
        $clock.Restart()
        Remove-E2eJob -Name bench-absent -Namespace default -Kubeconfig $Kubeconfig -ErrorAction SilentlyContinue -ErrorVariable failed
        Write-Fact "$call-call-ms" $clock.Elapsed.TotalMilliseconds
        Write-Fact "$call-call-error" $failed[0].FullyQualifiedErrorId
    }
}
