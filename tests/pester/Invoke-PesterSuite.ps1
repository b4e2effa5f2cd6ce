#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite of E2ePs; build.ps1 -Task Test starts it in a fresh pwsh process.
.DESCRIPTION
    Writes NUnit-style results to -ResultPath and a JSON summary (Passed, Failed, Skipped) to
    -SummaryPath, which build.ps1 adds to the xUnit counts. Exits 1 when a test failed.
#>
param(
    [Parameter(Mandatory)][string] $PesterModule,
    [Parameter(Mandatory)][string] $ResultPath,
    [Parameter(Mandatory)][string] $SummaryPath,
    # Which *.Tests.ps1 files to run; build.ps1 passes -PesterFilter through E2EPS_PESTER_FILTER.
    [string] $Filter = $(if ($env:E2EPS_PESTER_FILTER) { $env:E2EPS_PESTER_FILTER } else { '*' })
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterModule -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = Get-ChildItem -Path $PSScriptRoot -Filter "$Filter.Tests.ps1" | ForEach-Object FullName
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Normal'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultPath

$result = Invoke-Pester -Configuration $configuration
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath

exit ([int]($result.Result -ne 'Passed'))
