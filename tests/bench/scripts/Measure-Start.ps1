# Starting: Start-E2eJob of the named jobs of the repository at -Path (default -ThrottleLimit 4).
#   pwsh -NoProfile -File Measure-Start.ps1 -Module ./E2ePs.psd1 -Kubeconfig $kc -Path $repo -Name sc1, sc2
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $Kubeconfig,
    [Parameter(Mandatory)][string] $Path,
    [Parameter(Mandatory)][string[]] $Name,
    # Start the first job once before the measured command, as in a session that has run Start-E2eJob before;
    # without it the measured command includes loading the engine and the first use of each API call.
    [switch] $Warm,
    [switch] $NoGate
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')
# pwsh -File passes "a,b" as one string.
$Name = $Name -split ','

Import-Module $Module
if ($Warm) { $null = Start-E2eJob -Name $Name[0] -Path $Path -Kubeconfig $Kubeconfig }
if (-not $NoGate) { Wait-Go }

$clock = [Diagnostics.Stopwatch]::StartNew()
$runs = Start-E2eJob -Name $Name -Path $Path -Kubeconfig $Kubeconfig
Write-Fact 'start-ms' $clock.Elapsed.TotalMilliseconds
Write-Fact 'started' @($runs).Count
