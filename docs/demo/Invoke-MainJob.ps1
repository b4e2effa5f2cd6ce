#Requires -Version 7.4
<#
.SYNOPSIS
    The README's main job: scaffolds the guide's example job in a scratch repository and prints its manifest.
.DESCRIPTION
    Run ./build.ps1 first. The scratch repository is a new git repository under the temp folder,
    with the example's origin and branch, so the init container would clone that branch.
#>
[CmdletBinding()]
param(
    # Keeps the scratch repository instead of deleting it at the end.
    [switch] $Keep
)

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
Import-Module (Join-Path $root 'E2ePs.psd1') -Force

$repository = Join-Path ([IO.Path]::GetTempPath()) ("e2eps-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $repository | Out-Null
git -C $repository init -q -b main
git -C $repository remote add origin https://github.com/underpass-ai/swe-ai-fleet.git

try {
    $job = New-E2eJob -Path $repository -Name vllm-agent-tools -Namespace swe-ai-fleet `
        -TestPath tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm-agent_with_smart_context `
        -Env ([ordered]@{
            VLLM_URL          = 'http://vllm-server.swe-ai-fleet.svc.cluster.local:8000'
            ORCHESTRATOR_HOST = 'orchestrator.swe-ai-fleet.svc.cluster.local'
            ORCHESTRATOR_PORT = '50055'
        })

    Write-Host "Scaffolded $($job.JobName) in $repository" -ForegroundColor Green
    Get-E2eJob -Path $repository | Format-Table | Out-Host
    Write-Host "--- $($job.ManifestPath)" -ForegroundColor Cyan
    Get-Content $job.ManifestPath | Out-Host
}
finally {
    if (-not $Keep) { Remove-Item $repository -Recurse -Force }
}
