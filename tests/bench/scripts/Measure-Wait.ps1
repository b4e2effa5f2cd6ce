# Waiting: Wait-E2eJob on jobs <JobPrefix>0..<JobPrefix>(Count-1) labelled e2eps.io/run-id=<RunIdPrefix><i>,
# which the harness created, in a session that has already made a call. Prints when the command returned, in UTC ticks.
#   pwsh -NoProfile -File Measure-Wait.ps1 -Module ./E2ePs.psd1 -Kubeconfig $kc -Namespace wait -Count 100 -JobPrefix w- -RunIdPrefix r-
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $Kubeconfig,
    [Parameter(Mandatory)][string] $Namespace,
    [Parameter(Mandatory)][int] $Count,
    [Parameter(Mandatory)][string] $JobPrefix,
    [Parameter(Mandatory)][string] $RunIdPrefix,
    [switch] $NoGate
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')

Import-Module $Module
# The runs Start-E2eJob would have returned, for jobs the harness started.
$runs = foreach ($i in 0..($Count - 1)) {
    [E2ePs.Models.E2eRun] @{
        Name = "$JobPrefix$i"; JobName = "$JobPrefix$i"; Namespace = $Namespace; Context = 'emulator'
        Kubeconfig = $Kubeconfig; RunId = "$RunIdPrefix$i"; Status = 'Pending'
    }
}
Initialize-E2ePsClient -Kubeconfig $Kubeconfig
if (-not $NoGate) { Wait-Go }

Write-Fact 'wait-start-ticks' (Get-UtcTicks)
$finished = Wait-E2eJob -InputObject $runs
Write-Fact 'done-ticks' (Get-UtcTicks)
Write-Fact 'succeeded' @($finished | Where-Object Status -EQ 'Succeeded').Count
