# Scaffolding: -Count jobs in one process. -Mode E2ePs runs New-E2eJob for sc1..scN; -Mode Copy is the
# hand-written way it replaces: copy the files of job sc1 and replace its name, for cp1..cpN.
#   pwsh -NoProfile -File Measure-Scaffold.ps1 -Module ./E2ePs.psd1 -Path $repo -Count 100 -Mode E2ePs
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $Path,
    [Parameter(Mandatory)][int] $Count,
    [Parameter(Mandatory)][ValidateSet('E2ePs', 'Copy')][string] $Mode
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')

if ($Mode -eq 'E2ePs') {
    Import-Module $Module
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($i in 1..$Count) {
        $null = New-E2eJob -Name "sc$i" -TestPath "tests/e2e/test_sc$i.py" -Path $Path -Namespace bench-start -Image 'bench.local/start:1' -Force
    }
}
else {
    $seedJob = Join-Path $Path 'jobs/test-sc1-e2e'
    $seedManifest = Join-Path $Path 'deploy/k8s/99-test-sc1-e2e.yaml'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($i in 1..$Count) {
        $folder = Join-Path $Path "jobs/test-cp$i-e2e"
        $null = New-Item -ItemType Directory -Path $folder -Force
        foreach ($file in Get-ChildItem -LiteralPath $seedJob -File) {
            $text = (Get-Content -LiteralPath $file.FullName -Raw) -replace 'sc1', "cp$i"
            Set-Content -LiteralPath (Join-Path $folder $file.Name) -Value $text -NoNewline
        }
        $manifest = (Get-Content -LiteralPath $seedManifest -Raw) -replace 'sc1', "cp$i"
        Set-Content -LiteralPath (Join-Path $Path "deploy/k8s/99-test-cp$i-e2e.yaml") -Value $manifest -NoNewline
    }
}
Write-Fact 'scaffold-ms' $clock.Elapsed.TotalMilliseconds
