#Requires -Version 7.4
# Get-E2eLog, Invoke-E2eTest and Get-E2eResult under the kubelet's real timing, against the emulator run as a
# process: upstream's 1 s status lag after a log ends, and log rotation at a containerLogMaxSize shortened from
# 10Mi to 64Ki (docs/emulator.md, "Logs and the kubelet's timing"; docs/architecture.md, "Reports and rotation").

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-kubelet-timing-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null

    # 2,000 cases with unique names: about 180 KB of report in the log, three rotations at 64 KiB.
    $cases = foreach ($i in 1..2000) { "<testcase classname=`"tests.e2e.t$([guid]::NewGuid().ToString('N'))`" name=`"test_$([guid]::NewGuid().ToString('N'))`" time=`"0.01`"/>" }
    $bigXml = '<?xml version="1.0" encoding="utf-8"?><testsuite name="pytest" tests="2000">' + ($cases -join '') + '</testsuite>'

    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
        @{ image = 'registry.test/timing-lag:*'; lines = @('collected 2 items', '2 passed'); lineIntervalMs = 200 }
        # Two lines, then 2,000 generated ones from 3 s on: the file read after the end begins long after the start.
        @{ image = 'registry.test/timing-chatty:*'; lines = @('starting', 'started'); lineIntervalMs = 1500; generateLines = 2000; lineLength = 100; emitDurationMs = 500 }
        # The report comes 1.5 s after the start, so Invoke-E2eTest's follow is open before the first rotation.
        @{ image = 'registry.test/timing-report:*'; startDelayMs = 1500; lines = @('collected 2000 items') + @(ConvertTo-ReportBlock $bigXml) + @('2000 passed') }
    ) | Set-Content -LiteralPath $scenarios

    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -StatusLagMs 1000 -ScenariosPath $scenarios -EmulatorDll $emulatorDll `
        -KubeconfigPath (Join-Path $Work 'kubeconfig') -ExtraArguments '--container-log-max-size', '64Ki'
    $script:Kc = $Emulator.KubeconfigPath

    $script:Ns = 'timing-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Ns } } |
        kubectl --kubeconfig $Kc create -f - | Out-Null
    $script:Repo = New-TestGitRepository
    foreach ($name in 'lag', 'chatty', 'report') {
        New-E2eJob -Name $name -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image "registry.test/timing-${name}:1" -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    }

    function Get-LogRequests {
        # The emulator's count of log requests per "namespace/pod/container".
        $stats = Invoke-RestMethod -Uri "$($Emulator.Server)/_emulator/stats" -Headers @{ Authorization = "Bearer $($Emulator.Token)" } -SkipCertificateCheck
        $stats.logRequestsByContainer
    }
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Under the status lag' {
    It 'Get-E2eLog -Follow goes from the clone to the test container to the end with one log request each' {
        $run = Get-E2eJob -Path $Repo -Name lag | Start-E2eJob -Kubeconfig $Kc

        $lines = $run | Get-E2eLog -Follow -ErrorVariable logErrors

        $logErrors | Should -BeNullOrEmpty
        @($lines | ForEach-Object Message) | Should -Be @('Cloned commit 1a2b3c4', 'collected 2 items', '2 passed')
        $pod = @($lines.Pod | Select-Object -Unique)
        $pod | Should -HaveCount 1
        $requests = Get-LogRequests
        $requests."$Ns/$pod/clone-repo" | Should -Be 1
        $requests."$Ns/$pod/test-runner" | Should -Be 1
    }
}

Describe 'Under log rotation' {
    It 'Get-E2eLog without -Follow warns that the lines before its first were rotated away' {
        $run = Get-E2eJob -Path $Repo -Name chatty | Start-E2eJob -Kubeconfig $Kc
        $run | Wait-E2eJob | Out-Null

        $lines = $run | Get-E2eLog -Container test-runner -WarningVariable rotated -WarningAction SilentlyContinue

        $rotated | Should -HaveCount 1
        "$rotated" | Should -BeLike '*container test-runner of pod *earlier lines were rotated away*'
        $lines[0].EarlierLinesRotated | Should -BeTrue
        @($lines | ForEach-Object Message) | Should -Not -Contain 'starting'
        @($lines | Where-Object EarlierLinesRotated) | Should -HaveCount 1
    }

    It 'Invoke-E2eTest reads a report larger than the rotation size whole; Get-E2eResult after the end says TestReportRotated' {
        $run = Get-E2eJob -Path $Repo -Name report | Invoke-E2eTest -Kubeconfig $Kc -ErrorVariable invokeErrors -WarningVariable invokeWarnings -WarningAction SilentlyContinue

        $invokeErrors | Should -BeNullOrEmpty
        $invokeWarnings | Should -BeNullOrEmpty
        $run.Status | Should -Be Succeeded
        $run.TestResult.ReportStatus | Should -Be Found
        $run.TestResult.Passed | Should -Be 2000

        $summary = $run | Get-E2eResult -Summary -ErrorAction SilentlyContinue -ErrorVariable readErrors
        $readErrors.FullyQualifiedErrorId | Should -Be 'TestReportRotated,E2ePs.Cmdlets.GetE2eResultCommand'
        $summary.ReportStatus | Should -Be Truncated
    }
}
