#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite of E2ePs; build.ps1 -Task Test starts it in a fresh pwsh process.
.DESCRIPTION
    Writes NUnit-style results to -ResultPath and a JSON summary (Passed, Failed, Skipped) to
    -SummaryPath, which build.ps1 adds to the xUnit counts. Exits 1 when a test failed.
    To run one file by hand after ./build.ps1:
        dotnet pwsh -NoProfile -File tests/pester/Invoke-PesterSuite.ps1 -PesterModule <Pester.psd1> `
            -ResultPath /tmp/p.xml -SummaryPath /tmp/p.json -Filter Surface -Tier Full
#>
param(
    [Parameter(Mandatory)][string] $PesterModule,
    [Parameter(Mandatory)][string] $ResultPath,
    [Parameter(Mandatory)][string] $SummaryPath,
    # Which *.Tests.ps1 files to run; build.ps1 passes -PesterFilter through E2EPS_PESTER_FILTER.
    [string] $Filter = $(if ($env:E2EPS_PESTER_FILTER) { $env:E2EPS_PESTER_FILTER } else { '*' }),
    # Fast leaves out the blocks tagged 'Full' (real images and registries, stress); Full runs everything.
    [ValidateSet('Fast', 'Full')]
    [string] $Tier = 'Fast'
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterModule -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = Get-ChildItem -Path $PSScriptRoot -Filter "$Filter.Tests.ps1" | ForEach-Object FullName
$configuration.Run.PassThru = $true
if ($Tier -eq 'Fast') { $configuration.Filter.ExcludeTag = @('Full') }
$configuration.Output.Verbosity = 'Normal'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultPath

$result = Invoke-Pester -Configuration $configuration
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    # Tests left out by -Tier or a filter are not run (NotRun), as dotnet test's --filter leaves xUnit's out:
    # they are not counted. Skipped counts only tests that chose to skip (a tool missing on a developer's machine).
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath

exit ([int]($result.Result -ne 'Passed'))
