#Requires -Version 7.4
# One run, one Job: two pwsh processes start the same job at the same moment, five rounds; each process
# waits for, reads the log of and reads the results of its own run, against the emulator run as a process.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-concurrent-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null

    function Get-ReportBlock([string] $Case) {
        # The JUnit report as the templates print it: gzip+base64 between E2ePs's markers (Results/ReportMarkers.cs).
        $xml = "<?xml version=`"1.0`" encoding=`"utf-8`"?><testsuite name=`"pytest`" tests=`"1`" failures=`"0`" errors=`"0`" skipped=`"0`" time=`"0.1`"><testcase classname=`"t`" name=`"$Case`" time=`"0.1`"/></testsuite>"
        $buffer = [IO.MemoryStream]::new()
        $gzip = [IO.Compression.GZipStream]::new($buffer, [IO.Compression.CompressionLevel]::Optimal, $true)
        $bytes = [Text.Encoding]::UTF8.GetBytes($xml)
        $gzip.Write($bytes, 0, $bytes.Length)
        $gzip.Dispose()
        $encoded = [Convert]::ToBase64String($buffer.ToArray())
        @('----- BEGIN E2EPS JUNIT (gzip+base64) -----') + @(for ($i = 0; $i -lt $encoded.Length; $i += 76) { $encoded.Substring($i, [Math]::Min(76, $encoded.Length - $i)) }) + @('----- END E2EPS JUNIT -----')
    }

    # Each process runs the job with an image of its own, whose container writes its own line and report.
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloning branch main of https://github.com/example/shop.git', 'Cloned commit 1a2b3c4') }
        @{ image = 'localhost:5000/e2eps-twice-a:*'; lines = @('process a ran') + (Get-ReportBlock 'test_a'); lineIntervalMs = 20 }
        @{ image = 'localhost:5000/e2eps-twice-b:*'; lines = @('process b ran') + (Get-ReportBlock 'test_b'); lineIntervalMs = 20 }
    ) | Set-Content -LiteralPath $scenarios
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath
    $script:Ns = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    kubectl --kubeconfig $Kc create namespace $Ns | Out-Null
    $script:Repo = New-TestGitRepository
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    New-E2eJob -Name twice -TestPath tests/e2e -Namespace $Ns -Image localhost:5000/e2eps-twice-a:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null

    # What one process does: start, wait, read its log and its results, all piped from its own run.
    $script:OneProcess = {
        param($Root, $Repo, $Kc, $Process)
        Import-Module (Join-Path $Root 'E2ePs.psd1')
        $run = Start-E2eJob -Name twice -Path $Repo -Image "localhost:5000/e2eps-twice-${Process}:1" -Kubeconfig $Kc -ErrorAction Stop |
            Wait-E2eJob -Timeout 120 -ErrorAction Stop
        [pscustomobject]@{
            JobName = $run.JobName
            RunId = $run.RunId
            Status = "$($run.Status)"
            Log = @($run | Get-E2eLog | ForEach-Object Message)
            Cases = @($run | Get-E2eResult | ForEach-Object Name)
        } | ConvertTo-Json -Compress
    }
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Two processes start the same job at once' {
    It 'round <_>: both runs succeed with Jobs of their own, and each process gets its own run, log and results' -ForEach 1, 2, 3, 4, 5 {
        # Start-Job runs each script block in a pwsh process of its own.
        $jobs = 'a', 'b' | ForEach-Object { Start-Job -ScriptBlock $OneProcess -ArgumentList $Root, $Repo, $Kc, $_ }
        $null = $jobs | Wait-Job -Timeout 300
        $answers = @($jobs | ForEach-Object { $_ | Receive-Job -ErrorAction Continue -ErrorVariable failed; if ($failed) { throw "process $($_.Id): $failed" } } | ConvertFrom-Json)
        $jobs | Remove-Job -Force

        $answers | Should -HaveCount 2
        $answers[0].JobName | Should -Not -Be $answers[1].JobName
        foreach ($i in 0, 1) {
            $mine = 'a', 'b' | Select-Object -Index $i
            $other = 'a', 'b' | Select-Object -Index (1 - $i)
            $answers[$i].Status | Should -Be Succeeded
            $answers[$i].JobName | Should -BeLike 'test-twice-e2e-*'
            $answers[$i].Log | Should -Contain "process $mine ran"
            $answers[$i].Log | Should -Not -Contain "process $other ran"
            $answers[$i].Cases | Should -Be @("test_$mine")
        }
    }

    It 'keeps every run: ten Jobs of the job, none deleted to start another' {
        @(kubectl --kubeconfig $Kc get jobs -n $Ns -l 'e2eps.io/job=twice' -o name) | Should -HaveCount 10
    }
}
