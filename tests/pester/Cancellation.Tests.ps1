#Requires -Version 7.4
# Ctrl+C on every cmdlet that waits on the cluster. Each test starts the cmdlet in a PowerShell
# instance of its own, waits (bounded) for the event that shows it is in the middle of its work (its
# watch open, its first log line, its probe Job created, its request at the API server), stops it the
# way the host stops it on Ctrl+C, and then asserts what must be true once it has returned: the
# pipeline stopped with no error of E2ePs's own, the Job still running (unless -CleanupOnCancel), the
# probe Job gone, nothing created or saved half way. The emulator runs as a process. Build-E2eImage's
# test (no engine process, working container or tag left) is in Build-E2eImage.Tests.ps1, beside the
# registry and container storage it needs.

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
    # A job of its own for each test, so that no test sees the pods of another's run.
    foreach ($name in 'wait', 'cleanup', 'log', 'outfile', 'invoke', 'start', 'read') {
        New-E2eJob -Name "endless-$name" -TestPath tests/e2e/test_soak.py -Namespace default -Image localhost:5000/e2eps-endless:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    }

    function Start-InOwnShell {
        # Runs a script in a PowerShell instance of its own, as a host runs a pipeline; its output
        # goes to a collection the test can watch while it runs.
        param([string] $Script, [hashtable] $Arguments = @{})
        $shell = [powershell]::Create()
        $shell.AddScript("Import-Module '$(Join-Path $Root 'E2ePs.psd1')'").AddStatement().AddScript($Script) | Out-Null
        foreach ($key in $Arguments.Keys) { $shell.AddParameter($key, $Arguments[$key]) | Out-Null }
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        [pscustomobject]@{ Shell = $shell; Handle = $handle; Output = $output }
    }

    function Wait-Until {
        # Polls a condition until it holds, for at most -Seconds; throws with -Because when it never does.
        param([scriptblock] $Condition, [string] $Because, [int] $Seconds = 60, [object] $Running)
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Condition) { return }
            if ($Running -and $Running.Handle.IsCompleted) {
                throw "the command ended before $Because`: $($Running.Shell.Streams.Error | Out-String)"
            }
            Start-Sleep -Milliseconds 50
        }
        throw "timed out waiting until $Because"
    }

    function Stop-InOwnShell([object] $Running) {
        # Stop() returns once the pipeline has stopped; the handle follows at once (the bound only catches a hang).
        $Running.Shell.Stop()
        $Running.Handle.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
        $Running.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        # PowerShell itself may record the stop (PipelineStopped); E2ePs writes no error of its own.
        $Running.Shell.Streams.Error | Where-Object FullyQualifiedErrorId -ne 'PipelineStopped' | Should -BeNullOrEmpty
    }

    function Invoke-Emulator([string] $Method, [string] $Path, [object] $Body) {
        $request = @{ Method = $Method; Uri = "$($Emulator.Server.TrimEnd('/'))/_emulator/$Path"; SkipCertificateCheck = $true; Headers = @{ Authorization = "Bearer $($Emulator.Token)" } }
        if ($null -ne $Body) { $request.ContentType = 'application/json'; $request.Body = $Body | ConvertTo-Json }
        Invoke-RestMethod @request
    }

    function Get-EmulatorStats { Invoke-Emulator GET stats }

    function Get-Job([string] $Name) {
        # A run's Job by its own name, or every run of a job definition by its short name (each run is a
        # Job of its own, labelled e2eps.io/job with the definition's name).
        $json = kubectl --kubeconfig $Kc get jobs -n default -o json | ConvertFrom-Json
        $json.items | Where-Object { $_.metadata.name -eq $Name -or $_.metadata.labels.'e2eps.io/job' -eq $Name }
    }

    function Start-Run([string] $Name) {
        # A run of the job whose pod is running, seen through kubectl.
        $run = Get-E2eJob -Path $Repo -Name $Name | Start-E2eJob -Kubeconfig $Kc
        Wait-Until -Because "the pod of $($run.JobName) runs" {
            (kubectl --kubeconfig $Kc get pods -n default -l "e2eps.io/run-id=$($run.RunId)" -o 'jsonpath={.items[*].status.phase}') -match 'Running'
        }
        $run
    }

    function Assert-StillRunning([object] $Run) {
        $job = Get-Job $Run.JobName
        $job.metadata.uid | Should -Be $Run.Uid
        $job.status.completionTime | Should -BeNullOrEmpty
        $job.metadata.deletionTimestamp | Should -BeNullOrEmpty
    }
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Stopping a wait (Ctrl+C)' {
    It 'ends Wait-E2eJob as a stopped pipeline and leaves the Job running' {
        $run = Start-Run endless-wait
        $watches = (Get-EmulatorStats).openWatches
        $waiting = Start-InOwnShell 'param($Run) $Run | Wait-E2eJob' @{ Run = $run }
        # Wait-E2eJob follows its runs with one watch over Jobs and one over pods.
        Wait-Until -Running $waiting -Because 'Wait-E2eJob watches the Jobs and the pods' { (Get-EmulatorStats).openWatches -ge $watches + 2 }

        Stop-InOwnShell $waiting

        $waiting.Output | Should -BeNullOrEmpty
        Assert-StillRunning $run
        $waiting.Shell.Dispose()
    }

    It 'deletes the Job with -CleanupOnCancel' {
        $run = Start-Run endless-cleanup
        $watches = (Get-EmulatorStats).openWatches
        $waiting = Start-InOwnShell 'param($Run) $Run | Wait-E2eJob -CleanupOnCancel' @{ Run = $run }
        Wait-Until -Running $waiting -Because 'Wait-E2eJob watches the Jobs and the pods' { (Get-EmulatorStats).openWatches -ge $watches + 2 }

        Stop-InOwnShell $waiting

        # The delete was sent before the stop returned: the Job is gone, or (foreground deletion, its pod
        # still terminating on a loaded machine) marked for deletion and then gone.
        $job = Get-Job $run.JobName
        if ($job) { $job.metadata.deletionTimestamp | Should -Not -BeNullOrEmpty -Because 'Wait-E2eJob -CleanupOnCancel deletes the Job' }
        Wait-Until -Because "$($run.JobName) is deleted" { -not (Get-Job $run.JobName) }
        $waiting.Shell.Dispose()
    }
}

Describe 'Stopping a followed log (Ctrl+C)' {
    It 'ends Get-E2eLog -Follow after the lines so far, with no error of its own, and leaves the Job running' {
        $run = Start-Run endless-log
        $following = Start-InOwnShell 'param($Run) $Run | Get-E2eLog -Follow' @{ Run = $run }
        Wait-Until -Running $following -Because 'the first line of the log arrives' { $following.Output.Count -gt 0 }

        Stop-InOwnShell $following

        $following.Output[0].GetType().FullName | Should -Be 'E2ePs.Models.E2eLogLine'
        Assert-StillRunning $run
        $following.Shell.Dispose()
    }

    It 'ends Get-E2eLog -Follow -OutFile with every line that arrived in the file, whole' {
        $run = Start-Run endless-outfile
        $file = Join-Path $Work 'followed.log'
        $following = Start-InOwnShell 'param($Run, $File) $Run | Get-E2eLog -Follow -Container test-runner -OutFile $File' @{ Run = $run; File = $file }
        Wait-Until -Running $following -Because 'the first lines are in the file' { (Test-Path -LiteralPath $file) -and (Get-Item -LiteralPath $file).Length -gt 0 }

        Stop-InOwnShell $following

        $text = [IO.File]::ReadAllText($file)
        $text | Should -Match "`n$" -Because 'only whole lines are written'
        $lines = $text.TrimEnd("`n") -split "`n"
        # kubectl, read afterwards, sees the same lines first (and more, the container still writes).
        $pod = kubectl --kubeconfig $Kc get pods -n default -l "e2eps.io/run-id=$($run.RunId)" -o 'jsonpath={.items[0].metadata.name}'
        $logged = @(kubectl --kubeconfig $Kc logs -n default $pod -c test-runner)
        $logged.Count | Should -BeGreaterOrEqual $lines.Count
        $logged[0..($lines.Count - 1)] | Should -Be $lines
        Assert-StillRunning $run
        $following.Shell.Dispose()
    }
}

Describe 'Stopping Test-E2eDns (Ctrl+C)' {
    It 'deletes its probe Job before it returns' {
        # The probe runs the endless image, so its look-up never ends on its own.
        $probing = Start-InOwnShell 'param($Kc) Test-E2eDns vllm-server -Namespace default -Kubeconfig $Kc -ProbeImage localhost:5000/e2eps-endless:1 -Timeout 600' @{ Kc = $Kc }
        Wait-Until -Running $probing -Because 'the probe Job exists' {
            @(kubectl --kubeconfig $Kc get jobs -n default -o name) -match 'job.batch/e2eps-dns-probe-'
        }

        Stop-InOwnShell $probing

        @(kubectl --kubeconfig $Kc get jobs -n default -o name) -match 'job.batch/e2eps-dns-probe-' | Should -BeNullOrEmpty
        $probing.Output | Should -BeNullOrEmpty
        $probing.Shell.Dispose()
    }
}

Describe 'Stopping a command in the middle of a request (Ctrl+C)' {
    BeforeAll {
        $script:ReadRun = Start-Run endless-read
    }

    AfterEach {
        Invoke-Emulator DELETE faults | Out-Null
    }

    It '<Command> stops with nothing written, nothing saved and the Job untouched' -ForEach @(
        @{ Command = 'Get-E2eResult'; Script = 'param($Run, $OutFile) $Run | Get-E2eResult -OutFile $OutFile' }
        @{ Command = 'Get-E2eDiagnostic'; Script = 'param($Run, $OutFile) $Run | Get-E2eDiagnostic' }
    ) {
        $outFile = Join-Path $Work "$Command.xml"
        $requests = (Get-EmulatorStats).totalRequests
        # Every API request now takes a minute: the command is stopped while its first one is at the server.
        Invoke-Emulator POST faults @{ latencyMs = 60000 } | Out-Null
        $reading = Start-InOwnShell $Script @{ Run = $ReadRun; OutFile = $outFile }
        Wait-Until -Running $reading -Because "$Command's request reaches the API server" { (Get-EmulatorStats).totalRequests -gt $requests }

        Stop-InOwnShell $reading

        Invoke-Emulator DELETE faults | Out-Null
        $reading.Output | Should -BeNullOrEmpty
        $outFile | Should -Not -Exist
        Assert-StillRunning $ReadRun
        $reading.Shell.Dispose()
    }
}

Describe 'Stopping Start-E2eJob (Ctrl+C)' {
    AfterEach {
        Invoke-Emulator DELETE faults | Out-Null
    }

    It 'stopped before its dry run has finished, creates no Job' {
        $requests = (Get-EmulatorStats).totalRequests
        Invoke-Emulator POST faults @{ latencyMs = 60000 } | Out-Null
        $starting = Start-InOwnShell 'param($Repo, $Kc) Get-E2eJob -Path $Repo -Name endless-start | Start-E2eJob -Kubeconfig $Kc' @{ Repo = $Repo; Kc = $Kc }
        Wait-Until -Running $starting -Because "Start-E2eJob's first request reaches the API server" { (Get-EmulatorStats).totalRequests -gt $requests }

        Stop-InOwnShell $starting

        Invoke-Emulator DELETE faults | Out-Null
        $starting.Output | Should -BeNullOrEmpty
        Get-Job 'endless-start' | Should -BeNullOrEmpty
        $starting.Shell.Dispose()
    }
}

Describe 'Stopping Invoke-E2eTest (Ctrl+C)' {
    It 'ends as a stopped pipeline with no run written and leaves the running Job to finish in the cluster' {
        $running = Start-InOwnShell 'param($Repo, $Kc) Invoke-E2eTest -Name endless-invoke -Path $Repo -Kubeconfig $Kc' @{ Repo = $Repo; Kc = $Kc }
        Wait-Until -Running $running -Because 'the pod of the run Invoke-E2eTest started runs' {
            (kubectl --kubeconfig $Kc get pods -n default -l 'e2eps.io/job=endless-invoke' -o 'jsonpath={.items[*].status.phase}') -match 'Running'
        }

        Stop-InOwnShell $running

        $running.Output | Should -BeNullOrEmpty
        $job = Get-Job 'endless-invoke'
        $job.metadata.labels.'e2eps.io/run-id' | Should -Not -BeNullOrEmpty
        $job.status.completionTime | Should -BeNullOrEmpty
        $job.metadata.deletionTimestamp | Should -BeNullOrEmpty
        $running.Shell.Dispose()
    }
}
