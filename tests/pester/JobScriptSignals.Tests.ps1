#Requires -Version 7.4
# module/Invoke-E2eJob.ps1 stopped by a signal, as a terminal's Ctrl+C (SIGINT) or a cancelled CI
# pipeline (SIGINT, then SIGTERM) stops it: the documented exit code of a cancelled run is 3. The
# script runs as CI runs it, `pwsh -File` in a process of its own, against the emulator run as a process.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-signals-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:SavedCi = @{ TF_BUILD = $env:TF_BUILD; GITHUB_ACTIONS = $env:GITHUB_ACTIONS }
    Remove-Item env:TF_BUILD, env:GITHUB_ACTIONS -ErrorAction SilentlyContinue
    $scenarios = Join-Path $Work 'scenarios.json'
    # The test container logs a line a second for ten minutes: only the signal ends the script early.
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
        @{ image = 'localhost:5000/e2eps-signals:*'; generateLines = 600; emitDurationMs = 600000 }
    ) | Set-Content -LiteralPath $scenarios
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath
    $script:Repo = New-TestGitRepository
    New-E2eJob -Name signals -TestPath tests/e2e/test_soak.py -Namespace default -Image localhost:5000/e2eps-signals:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    $script:KillCommand = (Get-Command kill -CommandType Application | Select-Object -First 1).Source

    function Start-JobScriptUntilLogged {
        # Starts the script and returns once the job's log streams (the run is under way). A process
        # started from a background job (bash `&`, CI agents) inherits SIGINT ignored, and exec keeps
        # it ignored: env(1) --default-signal resets SIGINT and SIGTERM, so the signal reaches pwsh;
        # the caller checks SigIgn. `dotnet pwsh.dll` runs PowerShell in that very process.
        $start = [Diagnostics.ProcessStartInfo]::new('env')
        foreach ($argument in @('--default-signal=INT,TERM', 'dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive',
                '-File', (Join-Path $Root 'module/Invoke-E2eJob.ps1'), '-Name', 'signals', '-Path', $Repo, '-Kubeconfig', $Kc)) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        $errors = $process.StandardError.ReadToEndAsync()
        $lines = [Collections.Generic.List[string]]::new()
        while ($true) {
            # The bound only catches a hang; the line comes within seconds.
            $next = $process.StandardOutput.ReadLineAsync()
            if (-not $next.Wait(180000)) { $process.Kill($true); throw "Invoke-E2eJob.ps1 wrote nothing for 180 s: $($lines -join "`n")" }
            if ($null -eq ($line = $next.Result)) { break }
            $lines.Add($line)
            if ($line -match '^line \d{10}') { break }
        }
        if ($null -eq $line) { throw "Invoke-E2eJob.ps1 ended before the log streamed: $($lines -join "`n") $($errors.GetAwaiter().GetResult())" }
        [pscustomobject]@{ Process = $process; Lines = $lines; Errors = $errors }
    }

    function Stop-JobScript {
        # Sends the signal and returns the exit code and every line written.
        param($Started, [string] $Signal)
        $ignored = [Convert]::ToUInt64(((Get-Content "/proc/$($Started.Process.Id)/status") -match '^SigIgn:' -replace '^SigIgn:\s*', ''), 16)
        ($ignored -band 0x4002) | Should -Be 0 -Because 'SIGINT (bit 1) and SIGTERM (bit 14) must not be ignored by the script''s pwsh'
        & $KillCommand -s $Signal $Started.Process.Id
        $rest = $Started.Process.StandardOutput.ReadToEnd()
        if (-not $Started.Process.WaitForExit(60000)) { $Started.Process.Kill($true); throw "Invoke-E2eJob.ps1 did not end within 60 s of $Signal" }
        [pscustomobject]@{
            ExitCode = $Started.Process.ExitCode
            Output   = @($Started.Lines) + @($rest -split '\r?\n') + @($Started.Errors.GetAwaiter().GetResult() -split '\r?\n') | Where-Object { $_ -ne '' }
        }
    }
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
    foreach ($key in $SavedCi.Keys) { [Environment]::SetEnvironmentVariable($key, $SavedCi[$key]) }
}

Describe 'module/Invoke-E2eJob.ps1 stopped by a signal' -Skip:($IsWindows) {
    It 'exits 3 on Ctrl+C (SIGINT)' {
        $result = Stop-JobScript (Start-JobScriptUntilLogged) INT

        $result.ExitCode | Should -Be 3
        $result.Output | Should -Contain '[e2eps] Stopped by Ctrl+C (SIGINT): exit code 3'
    }

    It 'exits 3 on SIGTERM, after stopping the run as Ctrl+C does' {
        $result = Stop-JobScript (Start-JobScriptUntilLogged) TERM

        $result.ExitCode | Should -Be 3
        $result.Output | Should -Contain '[e2eps] Stopped by SIGTERM: exit code 3'
    }
}
