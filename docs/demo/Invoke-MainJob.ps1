#Requires -Version 7.4
<#
.SYNOPSIS
    The README's main job: scaffolds the guide's example job, builds and pushes its image, and runs
    it end to end in the Kubernetes API emulator, printing the logs and the result.
.DESCRIPTION
    Run ./build.ps1 first (it builds the module and the emulator). The steps:

    1. Starts the Kubernetes API emulator (tests/E2ePs.KubeEmulator) on 127.0.0.1 over HTTPS.
    2. Makes a scratch git repository and runs New-E2eJob in it, as a user would.
    3. Runs Get-E2eJob | Build-E2eImage -Push | Start-E2eJob | Wait-E2eJob | Get-E2eLog.

    Real containers (-Runtime buildah; the default when buildah, skopeo, mmdebstrap, docker-registry
    and git are installed): a registry on 127.0.0.1 gets the base images the template and the
    manifest name (tests/images/build-base-images.sh: made from Debian's packages, cached; the first
    run takes minutes), the scratch repository holds the example's test and is served by git daemon
    on 127.0.0.1, Build-E2eImage builds the job's image from the pytest template and pushes it, and
    the emulator's kubelet runs the pod with buildah: the clone-repo init container really clones,
    and pytest really runs the test in the job's image and writes its report to the log.

    Simulated (-Runtime simulated, or when a tool is missing, which it says): the emulator plays the
    test container back from a scripted scenario (what the guide's example prints); the API calls,
    the Job, its pods, the watch and the log stream are real. When buildah or podman and
    docker-registry are installed, the job's image is still built (on a tiny busybox base image made
    here) and pushed, and the emulator checks that the image it is asked to run is in the registry.

    Exits 0 when the test passed, 1 otherwise.
#>
[CmdletBinding()]
param(
    # Keeps the scratch repository instead of deleting it at the end.
    [switch] $Keep,

    # Skips the image build of the simulated runtime even when buildah or podman is installed.
    [switch] $NoImage,

    # buildah: real containers; simulated: the emulator plays the test container back; Auto: buildah
    # when the tools it needs are installed, else simulated (saying which tool is missing).
    [ValidateSet('Auto', 'buildah', 'simulated')]
    [string] $Runtime = 'Auto'
)

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
Import-Module (Join-Path $root 'E2ePs.psd1') -Force
. (Join-Path $root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')
Import-Module (Join-Path $root 'tests/support/ContainerTestSupport.psm1') -Force

$work = Join-Path ([IO.Path]::GetTempPath()) ("e2eps-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$repository = Join-Path $work 'swe-ai-fleet'
New-Item -ItemType Directory -Path $repository | Out-Null
$hasGit = [bool](Get-Command git -ErrorAction Ignore)
if ($hasGit) {
    # New-E2eJob reads the URL and branch to clone from the repository's origin and current branch.
    git -C $repository init -q -b main
    git -C $repository remote add origin https://github.com/underpass-ai/swe-ai-fleet.git
}

$realTools = 'buildah', 'skopeo', 'mmdebstrap', 'docker-registry', 'git'
$missingTools = @($realTools | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) })
if ($Runtime -eq 'Auto') {
    $Runtime = if ($missingTools.Count -eq 0) { 'buildah' } else { 'simulated' }
    if ($missingTools) {
        Write-Host "== $($missingTools -join ', ') not installed: falling back to the emulator's simulated runtime (the test container is played back, not run)." -ForegroundColor Yellow
    }
}
elseif ($Runtime -eq 'buildah' -and $missingTools) {
    throw "-Runtime buildah needs $($missingTools -join ', ') (apt-get install $($missingTools -join ' '))."
}
if ($Runtime -eq 'buildah') {
    & (Join-Path $PSScriptRoot 'Invoke-MainJob.Real.ps1') -Root $root -Work $work -Repository $repository -Keep:$Keep
    exit $LASTEXITCODE
}
Write-Host "== Simulated runtime: the emulator plays the test container back from a scenario (-Runtime buildah runs it for real)." -ForegroundColor Yellow

$canBuild = -not $NoImage -and (Get-Command buildah, podman -ErrorAction Ignore) -and (Get-Command docker-registry -ErrorAction Ignore)
$registry = $null
$storage = $null
$emulator = $null
$passed = $false
try {
    if ($canBuild) {
        Write-Host '== Starting a local registry on 127.0.0.1' -ForegroundColor Cyan
        $registry = Start-TestRegistry
        $storage = New-TestContainerStorage
        New-TestBaseImage -Storage $storage -Reference "$($registry.Address)/demo/base:1"
        # Build-E2eImage passes these to the engine: private vfs storage, chroot isolation.
        $env:E2EPS_ENGINE_ARGS = $storage.GlobalArguments -join ' '
        $env:E2EPS_BUILD_ARGS = $storage.BuildArguments -join ' '
    }
    else {
        Write-Host '== No buildah/podman with docker-registry here: the image build and push are skipped.' -ForegroundColor Yellow
    }

    # What the example's test container prints, as the guide shows it.
    $scenarios = Join-Path $work 'scenarios.json'
    ConvertTo-Json -Depth 5 @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloning branch main of https://github.com/underpass-ai/swe-ai-fleet.git', 'Cloned commit 4f2a9c1') }
        @{ image = '*test-vllm-agent-tools-e2e*'; containerName = 'test-runner'; lineIntervalMs = 150; lines = @(
                '[e2eps] Running pytest tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm-agent_with_smart_context'
                '============================= test session starts =============================='
                'collected 1 item'
                'tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm-agent_with_smart_context PASSED [100%]'
                '============================== 1 passed in 0.59s ==============================='
                '[e2eps] pytest exited with code 0') }
    ) | Set-Content $scenarios

    Write-Host '== Starting the Kubernetes API emulator' -ForegroundColor Cyan
    $emulatorOptions = @{ ScenariosPath = $scenarios; TimeStepMs = 20 }
    if ($registry) { $emulatorOptions.Registry = $registry.Address }
    $emulator = Start-KubeEmulator @emulatorOptions
    $kubeconfig = $emulator.KubeconfigPath
    Write-Host "   kubeconfig: $kubeconfig  server: $($emulator.Server)"
    # The guide's namespace, made with the real kubectl where it is installed; else the emulator's default one.
    $namespace = 'default'
    if (Get-Command kubectl -ErrorAction Ignore) {
        & kubectl --kubeconfig $kubeconfig create namespace swe-ai-fleet | Out-Host
        $namespace = 'swe-ai-fleet'
    }

    Write-Host '== New-E2eJob' -ForegroundColor Cyan
    $jobOptions = @{
        Path      = $repository
        Name      = 'vllm-agent-tools'
        Namespace = $namespace
        TestPath  = 'tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm-agent_with_smart_context'
        Env       = [ordered]@{
            VLLM_URL          = 'http://vllm-server.swe-ai-fleet.svc.cluster.local:8000'
            ORCHESTRATOR_HOST = 'orchestrator.swe-ai-fleet.svc.cluster.local'
            ORCHESTRATOR_PORT = '50055'
        }
    }
    if ($registry) { $jobOptions.Registry = $registry.Address }
    if (-not $hasGit) {
        $jobOptions.Repository = 'https://github.com/underpass-ai/swe-ai-fleet.git'
        $jobOptions.Branch = 'main'
    }
    $job = New-E2eJob @jobOptions
    Get-ChildItem $repository -Recurse -File -Exclude '.git' | Where-Object FullName -NotMatch '[\\/]\.git[\\/]' |
        ForEach-Object { '   ' + [IO.Path]::GetRelativePath($repository, $_.FullName) } | Out-Host
    Write-Host "--- $([IO.Path]::GetRelativePath($repository, $job.ManifestPath))" -ForegroundColor DarkCyan
    Get-Content $job.ManifestPath | Out-Host

    Push-Location $repository
    try {
        if ($canBuild) {
            # No public registry is reachable here: build FROM the local base image instead of python:3.13-slim.
            "FROM $($registry.Address)/demo/base:1`nCOPY jobs/test-vllm-agent-tools-e2e/run_test.py /app/run_test.py`nUSER 1000:1000`nCMD [`"/bin/sh`"]`n" |
                Set-Content $job.DockerfilePath
            Write-Host '== Get-E2eJob | Build-E2eImage -Push | Start-E2eJob | Wait-E2eJob | Get-E2eLog' -ForegroundColor Cyan
            $run = Get-E2eJob | Build-E2eImage -Push -SkipTlsVerify -ContentTag | Start-E2eJob -Kubeconfig $kubeconfig | Wait-E2eJob
        }
        else {
            Write-Host '== Get-E2eJob | Start-E2eJob | Wait-E2eJob | Get-E2eLog' -ForegroundColor Cyan
            $run = Get-E2eJob | Start-E2eJob -Kubeconfig $kubeconfig | Wait-E2eJob
        }

        $run | Get-E2eLog | Out-Host
        $run | Format-Table | Out-Host
        Write-Host "Image run: $($run.Image)"
        $passed = $run.Status -eq 'Succeeded'
    }
    finally {
        Pop-Location
    }
}
finally {
    if ($emulator) { $emulator | Stop-KubeEmulator }
    if ($registry) { Stop-TestRegistry $registry }
    if ($storage) { Remove-TestContainerStorage $storage }
    Remove-Item Env:E2EPS_ENGINE_ARGS, Env:E2EPS_BUILD_ARGS -ErrorAction Ignore
    if ($Keep) { Write-Host "Kept $repository" } else { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

if ($passed) {
    Write-Host 'The E2E test passed.' -ForegroundColor Green
    exit 0
}

Write-Host 'The E2E test did not pass.' -ForegroundColor Red
exit 1
