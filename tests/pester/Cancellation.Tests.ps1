#Requires -Version 7.4
# Ctrl+C: stopping Wait-E2eJob and Get-E2eLog -Follow ends them as a stopped pipeline, leaves the Job
# running in the cluster, and with -CleanupOnCancel deletes it. The emulator runs as a process; the
# cmdlets run in a PowerShell instance of their own, stopped the way the host stops it on Ctrl+C.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-cancel-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $scenarios = Join-Path $Work 'scenarios.json'
    # The test container logs a line a second for ten minutes: only a cancellation ends a wait on it.
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
        @{ image = 'localhost:5000/e2eps-endless:*'; generateLines = 600; emitDurationMs = 600000 }
    ) | Set-Content -LiteralPath $scenarios
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath
    $script:Repo = New-TestGitRepository
    New-E2eJob -Name endless -TestPath tests/e2e/test_soak.py -Namespace default -Image localhost:5000/e2eps-endless:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null

    function Start-InOwnShell {
        # Runs a script in a PowerShell instance of its own, as a host runs a pipeline; returns it and its handle.
        param([string] $Script, [hashtable] $Arguments)
        $shell = [powershell]::Create()
        $shell.AddScript("Import-Module '$(Join-Path $Root 'E2ePs.psd1')'").AddStatement().AddScript($Script) | Out-Null
        foreach ($key in $Arguments.Keys) { $shell.AddParameter($key, $Arguments[$key]) | Out-Null }
        [pscustomobject]@{ Shell = $shell; Handle = $shell.BeginInvoke() }
    }

    function Wait-Running {
        # Until the job's pod is running, seen through kubectl.
        param([string] $JobName)
        foreach ($i in 1..300) {
            $phase = kubectl --kubeconfig $Kc get pods -n default -l "batch.kubernetes.io/job-name=$JobName" -o 'jsonpath={.items[*].status.phase}'
            if ($phase -match 'Running') { return }
            Start-Sleep -Milliseconds 100
        }
        throw "the pod of $JobName never ran"
    }
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Stopping a wait (Ctrl+C)' {
    It 'ends Wait-E2eJob as a stopped pipeline and leaves the Job running' {
        $run = Get-E2eJob -Path $Repo -Name endless | Start-E2eJob -Kubeconfig $Kc
        Wait-Running $run.JobName
        $waiting = Start-InOwnShell 'param($Run) $Run | Wait-E2eJob' @{ Run = $run }
        Start-Sleep -Milliseconds 500

        $waiting.Shell.Stop()

        # Stop() returns once the pipeline has stopped; the handle follows at once (the bound only catches a hang).
        $waiting.Handle.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
        $waiting.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $job = kubectl --kubeconfig $Kc get job $run.JobName -n default -o json | ConvertFrom-Json
        $job.metadata.uid | Should -Be $run.Uid
        $job.status.completionTime | Should -BeNullOrEmpty
        $waiting.Shell.Dispose()
    }

    It 'deletes the Job with -CleanupOnCancel' {
        $run = Get-E2eJob -Path $Repo -Name endless | Start-E2eJob -Kubeconfig $Kc
        Wait-Running $run.JobName
        $waiting = Start-InOwnShell 'param($Run) $Run | Wait-E2eJob -CleanupOnCancel' @{ Run = $run }
        Start-Sleep -Milliseconds 500

        $waiting.Shell.Stop()

        $waiting.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        kubectl --kubeconfig $Kc get jobs -n default -o name | Should -Not -Contain "job.batch/$($run.JobName)"
        $waiting.Shell.Dispose()
    }
}

Describe 'Stopping a followed log (Ctrl+C)' {
    It 'ends Get-E2eLog -Follow after the lines so far, with no error of its own' {
        $run = Get-E2eJob -Path $Repo -Name endless | Start-E2eJob -Kubeconfig $Kc
        Wait-Running $run.JobName
        $following = Start-InOwnShell 'param($Run) $Run | Get-E2eLog -Follow' @{ Run = $run }
        Start-Sleep -Seconds 2

        $following.Shell.Stop()

        $following.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        # PowerShell itself may record the stop (PipelineStopped); E2ePs writes no error of its own.
        $following.Shell.Streams.Error | Where-Object FullyQualifiedErrorId -ne 'PipelineStopped' | Should -BeNullOrEmpty
        kubectl --kubeconfig $Kc get job $run.JobName -n default -o 'jsonpath={.metadata.uid}' | Should -Be $run.Uid
        $following.Shell.Dispose()
    }
}
