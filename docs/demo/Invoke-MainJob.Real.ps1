#Requires -Version 7.4
<#
.SYNOPSIS
    The README's main job in real containers: called by Invoke-MainJob.ps1 (-Runtime buildah). The
    example job's pod runs in the emulator with its real runtime: the clone-repo init container
    clones the scratch repository from git daemon on 127.0.0.1, and pytest runs the example's test in
    the image Build-E2eImage built from the pytest template. Exits 0 when the test passed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $Root,
    # The scratch folder (deleted at the end unless -Keep) and the git repository in it.
    [Parameter(Mandatory)][string] $Work,
    [Parameter(Mandatory)][string] $Repository,
    [switch] $Keep
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
. (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')
Import-Module (Join-Path $Root 'tests/support/ContainerTestSupport.psm1') -Force

function Get-FreePort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    try { $listener.Start(); $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

$registry = $null; $buildStorage = $null; $emulatorStorage = $null; $emulator = $null; $daemon = $null
$passed = $false
try {
    Write-Host '== Real containers: the emulator runs the pod with buildah (the clone and pytest really run)' -ForegroundColor Cyan
    Write-Host '== Starting a local registry on 127.0.0.1 and pushing the base images (built from Debian once, then cached)' -ForegroundColor Cyan
    $registry = Start-TestRegistry
    & bash (Join-Path $Root 'tests/images/build-base-images.sh') --registry $registry.Address --no-powershell --no-dotnet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "tests/images/build-base-images.sh failed with exit code $LASTEXITCODE." }
    # What a user behind a mirror writes (containers-registries.conf(5)): the template's and the
    # manifest's docker.io images come from the local registry. buildah and the emulator read it.
    $registriesConf = Join-Path $Work 'registries.conf'
    "[[registry]]`nprefix = `"docker.io`"`nlocation = `"$($registry.Address)`"`ninsecure = true`n" | Set-Content $registriesConf
    $env:CONTAINERS_REGISTRIES_CONF = $registriesConf
    $buildStorage = New-TestContainerStorage
    $emulatorStorage = New-TestContainerStorage
    $env:E2EPS_ENGINE_ARGS = $buildStorage.GlobalArguments -join ' '
    $env:E2EPS_BUILD_ARGS = $buildStorage.BuildArguments -join ' '

    # The example's test. The guide's node id (test_vllm-agent_with_smart_context) is no Python name,
    # so the test that really runs is test_vllm_agent_with_smart_context. The services it would call
    # do not exist here: it checks what the Job gave it.
    $testFile = Join-Path $Repository 'tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py'
    New-Item -ItemType Directory -Path (Split-Path $testFile) -Force | Out-Null
    @'
import os


def test_vllm_agent_with_smart_context():
    print(f"VLLM_URL={os.environ['VLLM_URL']}")
    assert os.environ["ORCHESTRATOR_HOST"] == "orchestrator.swe-ai-fleet.svc.cluster.local"
    assert os.environ["ORCHESTRATOR_PORT"] == "50055"
'@ | Set-Content $testFile
    git -C $Repository add --all
    git -C $Repository -c user.name=E2ePs -c user.email=demo@e2eps.invalid commit -q -m 'The example e2e test'
    if ($LASTEXITCODE -ne 0) { throw 'git commit failed.' }

    Write-Host '== Serving the scratch repository with git daemon on 127.0.0.1' -ForegroundColor Cyan
    $port = Get-FreePort
    $daemon = Start-Process git -PassThru -ArgumentList 'daemon', '--reuseaddr', '--listen=127.0.0.1', "--port=$port", "--base-path=$Work", '--export-all', $Work `
        -RedirectStandardError (Join-Path $Work 'git-daemon.log') -RedirectStandardOutput (Join-Path $Work 'git-daemon.out')
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); break } catch { if ([DateTime]::UtcNow -gt $deadline -or $daemon.HasExited) { throw "git daemon did not listen on 127.0.0.1:$port." } } finally { $client.Dispose() }
        Start-Sleep -Milliseconds 100
    }
    $cloneUrl = "git://127.0.0.1:$port/$(Split-Path $Repository -Leaf)"

    Write-Host '== Starting the Kubernetes API emulator with its real runtime (--runtime buildah)' -ForegroundColor Cyan
    $emulator = Start-KubeEmulator -Runtime buildah -Registry $registry.Address -RegistriesConf $registriesConf `
        -StorageRoot (Join-Path $emulatorStorage.Folder 'root') -StorageRunRoot (Join-Path $emulatorStorage.Folder 'runroot')
    $kubeconfig = $emulator.KubeconfigPath
    Write-Host "   kubeconfig: $kubeconfig  server: $($emulator.Server)"
    $namespace = 'default'
    if (Get-Command kubectl -ErrorAction Ignore) {
        & kubectl --kubeconfig $kubeconfig create namespace swe-ai-fleet | Out-Host
        $namespace = 'swe-ai-fleet'
    }

    Write-Host '== New-E2eJob' -ForegroundColor Cyan
    $job = New-E2eJob -Path $Repository -Name vllm-agent-tools -Namespace $namespace -Registry $registry.Address `
        -TestPath 'tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm_agent_with_smart_context' `
        -Repository $cloneUrl -Branch main -Env ([ordered]@{
            VLLM_URL          = 'http://vllm-server.swe-ai-fleet.svc.cluster.local:8000'
            ORCHESTRATOR_HOST = 'orchestrator.swe-ai-fleet.svc.cluster.local'
            ORCHESTRATOR_PORT = '50055'
        })
    Write-Host "--- $([IO.Path]::GetRelativePath($Repository, $job.ManifestPath))" -ForegroundColor DarkCyan
    Get-Content $job.ManifestPath | Out-Host

    Push-Location $Repository
    try {
        Write-Host '== Get-E2eJob | Build-E2eImage -Push | Start-E2eJob | Wait-E2eJob | Get-E2eLog' -ForegroundColor Cyan
        # The template's knobs for a machine without PyPI (docs/inpod-tests.md): the base image holds
        # these versions already, and an index on a closed port proves that nothing is downloaded.
        $buildArgs = @{
            PYTEST_REQUIREMENTS = 'pytest==7.2.1 pytest-asyncio==0.20.3 pytest-mock==3.8.2 pytest-timeout==2.1.0'
            PIP_INDEX_URL       = "http://127.0.0.1:$(Get-FreePort)/simple/"
        }
        $run = Get-E2eJob | Build-E2eImage -Push -SkipTlsVerify -ContainerEngine buildah -BuildArg $buildArgs |
            Start-E2eJob -Kubeconfig $kubeconfig | Wait-E2eJob -Timeout 900
        $run | Get-E2eLog | Out-Host
        $run | Format-Table | Out-Host
        $result = $run | Get-E2eResult -Summary
        $result | Format-Table | Out-Host
        Write-Host "Image run: $($run.Image)"
        $passed = $run.Status -eq 'Succeeded'
        Write-Host ("Ran in real containers (buildah): the clone-repo init container cloned $cloneUrl and pytest ran " +
            "$($result.Total) test(s) in the job's image: $($result.Passed) passed, $($result.Failed) failed.") -ForegroundColor Green
    }
    finally {
        Pop-Location
    }
}
finally {
    if ($emulator) { $emulator | Stop-KubeEmulator }
    if ($daemon -and -not $daemon.HasExited) { $daemon.Kill(); $daemon.WaitForExit(5000) | Out-Null }
    if ($registry) { Stop-TestRegistry $registry }
    foreach ($storage in $buildStorage, $emulatorStorage) { if ($storage) { Remove-TestContainerStorage $storage } }
    Remove-Item Env:E2EPS_ENGINE_ARGS, Env:E2EPS_BUILD_ARGS, Env:CONTAINERS_REGISTRIES_CONF -ErrorAction Ignore
    if ($Keep) { Write-Host "Kept $Repository" } else { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

if ($passed) {
    Write-Host 'The E2E test passed.' -ForegroundColor Green
    exit 0
}

Write-Host 'The E2E test did not pass.' -ForegroundColor Red
exit 1
