#Requires -Version 7.4
# Invoke-E2eTest, Get-E2eResult and module/Invoke-E2eJob.ps1 against the Kubernetes API emulator run
# as a process. The script is run the way a CI system runs it, `pwsh -File`, and judged by its exit
# code and what it writes; the scenarios' logs carry real JUnit reports, gzip+base64 between markers.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-results-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    # The children must not think they run in a CI system unless a test says so.
    $script:SavedCi = @{ TF_BUILD = $env:TF_BUILD; GITHUB_ACTIONS = $env:GITHUB_ACTIONS }
    Remove-Item env:TF_BUILD, env:GITHUB_ACTIONS -ErrorAction SilentlyContinue

    $script:PassXml = '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="3"><testcase classname="tests.e2e.test_shop" name="test_health" time="0.1"/><testcase classname="tests.e2e.test_shop" name="test_cart" time="0.2"/><testcase classname="tests.e2e.test_shop" name="test_refund" time="0"><skipped message="not deployed"/></testcase></testsuite></testsuites>'
    $script:FailXml = '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="2"><testcase classname="tests.e2e.test_shop" name="test_health" time="0.1"/><testcase classname="tests.e2e.test_shop" name="test_checkout" time="0.3"><failure message="AssertionError: assert 500 == 200">E   assert 500 == 200</failure></testcase></testsuite></testsuites>'
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
        @{ image = 'registry.test/results-pass:*'; lines = @('collected 3 items') + @(ConvertTo-ReportBlock $PassXml) + @('2 passed, 1 skipped') }
        @{ image = 'registry.test/results-fail:*'; lines = @('collected 2 items', 'echo ##vso[task.complete result=Succeeded;]') + @(ConvertTo-ReportBlock $FailXml); exitCode = 1 }
        @{ image = 'registry.test/results-nopull:*'; imageMissing = $true }
        @{ image = 'registry.test/results-slow:*'; durationMs = 120000 }
    ) | Set-Content -LiteralPath $scenarios

    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath

    $script:Ns = 'results-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Ns } } |
        kubectl --kubeconfig $Kc create -f - | Out-Null
    $script:Repo = New-TestGitRepository
    foreach ($name in 'pass', 'fail', 'nopull', 'slow', 'unused') {
        New-E2eJob -Name $name -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image "registry.test/results-${name}:1" -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    }

    function Start-JobScript {
        # Starts module/Invoke-E2eJob.ps1 as CI does, `pwsh -File` in a new process, with its own environment.
        param([string[]] $Arguments, [hashtable] $Environment = @{})
        $start = [Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($argument in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'module/Invoke-E2eJob.ps1'),
                '-Path', $Repo, '-Kubeconfig', $Kc, '-RetryDelay', '0') + $Arguments) { $start.ArgumentList.Add($argument) }
        foreach ($key in $Environment.Keys) { $start.Environment[$key] = $Environment[$key] }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        [pscustomobject]@{ Process = $process; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() }
    }

    function Wait-JobScript {
        # Its exit code and every line it wrote (stdout, then stderr).
        param($Started)
        # The bound only catches a hang: five script runs side by side on a loaded 2-core machine took over 120 s.
        if (-not $Started.Process.WaitForExit(600000)) { $Started.Process.Kill($true); throw 'Invoke-E2eJob.ps1 did not end within 600 s' }
        $lines = ($Started.Stdout.GetAwaiter().GetResult() + $Started.Stderr.GetAwaiter().GetResult()) -split '\r?\n'
        [pscustomobject]@{ ExitCode = $Started.Process.ExitCode; Output = @($lines | Where-Object { $_ -ne '' }) }
    }

    # The script runs take seconds each, mostly pwsh starting and importing the module: run them side by side.
    $script:AzureResults = Join-Path $Work 'azure-results'
    $script:StepSummary = Join-Path $Work 'step-summary.md'
    $script:Scripts = @{
        Pass     = Start-JobScript -Arguments @('-Name', 'pass')
        Fail     = Start-JobScript -Arguments @('-Name', 'fail', '-ResultPath', $AzureResults) -Environment @{ TF_BUILD = 'True' }
        NoPull   = Start-JobScript -Arguments @('-Name', 'nopull', '-RetryCount', '1') -Environment @{ GITHUB_ACTIONS = 'true'; GITHUB_STEP_SUMMARY = $StepSummary }
        Slow     = Start-JobScript -Arguments @('-Name', 'slow', '-Timeout', '1', '-NoLog')
        Negative = Start-JobScript -Arguments @('-Name', 'unused', '-RetryCount', '-1')
    }
}

AfterAll {
    foreach ($started in $Scripts.Values) { if (-not $started.Process.HasExited) { $started.Process.Kill($true) } }
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
    foreach ($key in $SavedCi.Keys) { [Environment]::SetEnvironmentVariable($key, $SavedCi[$key]) }
}

Describe 'module/Invoke-E2eJob.ps1' {
    It 'exits 0 when the tests pass, streams the log without the report block, and writes no CI commands outside CI' {
        $result = Wait-JobScript $Scripts.Pass

        $result.ExitCode | Should -Be 0
        $result.Output | Should -Contain 'collected 3 items'
        @($result.Output -like "[[]e2eps] $Ns/test-pass-e2e-*: Succeeded, 2 passed, 0 failed, 1 skipped") | Should -HaveCount 1 -Because 'a run has a Job of its own, test-<name>-e2e-<run suffix>' 
        $result.Output | Should -Not -Contain '----- BEGIN E2EPS JUNIT (gzip+base64) -----'
        ($result.Output -match '^(##vso\[|##\[|::)') | Should -BeNullOrEmpty
    }

    It 'exits 1 when a test fails, and under Azure DevOps writes the group, the error, the publish and a failed task result' {
        $results = $AzureResults
        $result = Wait-JobScript $Scripts.Fail

        $result.ExitCode | Should -Be 1
        @($result.Output -like '##`[group]test-fail-e2e-* Failed (BackoffLimitExceeded): 1 passed, 1 failed, 0 skipped') | Should -HaveCount 1
        @($result.Output -like '##vso`[task.logissue type=error;code=TestFailed;`]test-fail-e2e-*: tests.e2e.test_shop.test_checkout: AssertionError: assert 500 == 200') | Should -HaveCount 1
        $result.Output | Should -Contain "##vso[results.publish type=JUnit;mergeResults=false;publishRunAttachments=true;runTitle=E2E fail ($Ns);resultFiles=$(Join-Path $results 'TEST-test-fail-e2e.xml');]"
        $result.Output | Should -Contain '##vso[task.complete result=Failed;]1 of 1 E2E run(s) failed, 0 error(s).'
        # The test printed a command of its own: it reaches the log, but not as a command.
        $echo = @($result.Output | Where-Object { $_.StartsWith('echo ##') })
        $echo | Should -HaveCount 1
        $echo[0] | Should -Not -Match '##vso\['
        [IO.File]::ReadAllText((Join-Path $results 'TEST-test-fail-e2e.xml')) | Should -BeExactly $FailXml
    }

    It 'exits 2 when the image cannot be pulled, after the retries it was given, and writes GitHub annotations under GitHub Actions' {
        $summary = $StepSummary
        $result = Wait-JobScript $Scripts.NoPull

        $result.ExitCode | Should -Be 2
        ($result.Output -match '^::warning title=E2eRunRetried::Attempt 1 of .*test-nopull-e2e-[0-9a-f]{6} failed \(Infrastructure') | Should -HaveCount 1
        ($result.Output -match '^::error title=E2eRunFailed::') | Should -HaveCount 1
        ($result.Output -match '##vso') | Should -BeNullOrEmpty
        @($result.Output -like "[[]e2eps] $Ns/test-nopull-e2e-*: Failed, attempt 2") | Should -HaveCount 1
        Get-Content -Raw $summary | Should -Match '\| test-nopull-e2e(-[0-9a-f]{6})? \| .* \| ❌ Failed \((ErrImagePull|ImagePullBackOff)\) \| – \| – \| – \| 2 \|'
    }

    It 'exits 3 when a run times out' {
        $result = Wait-JobScript $Scripts.Slow

        $result.ExitCode | Should -Be 3
        @($result.Output -like "[[]e2eps] $Ns/test-slow-e2e-*: TimedOut") | Should -HaveCount 1
    }

    It 'exits 4 with a clear message when the retry count is below zero, and starts nothing' {
        $result = Wait-JobScript $Scripts.Negative

        $result.ExitCode | Should -Be 4
        $result.Output | Should -Contain '[e2eps] -RetryCount -1 is not between 0 and 20: it is how many more times a run that failed for an infrastructure reason is started again. Nothing was started.'
        kubectl --kubeconfig $Kc get job test-unused-e2e -n $Ns -o name 2>$null | Should -BeNullOrEmpty
    }
}

Describe 'Get-E2eResult' {
    BeforeAll {
        $script:Run = Get-E2eJob -Path $Repo -Name fail | Invoke-E2eTest -Kubeconfig $Kc -ErrorAction SilentlyContinue -ErrorVariable runErrors
        $script:RunErrors = $runErrors
    }

    It 'Invoke-E2eTest returns the run with its test results, and an E2eRunFailed error for it' {
        $Run.Status | Should -Be Failed
        $Run.FailureKind | Should -Be TestFailure
        $Run.TestResult.Failed | Should -Be 1
        $RunErrors.FullyQualifiedErrorId | Should -Be 'E2eRunFailed,E2ePs.Cmdlets.InvokeE2eTestCommand'
    }

    It 'writes the cases of a piped run, and -OutFile saves exactly the XML the pod wrote' {
        $cases = $Run | Get-E2eResult -OutFile $Work

        $cases | Should -HaveCount 2
        $cases[1] | Should -BeOfType ([E2ePs.Models.E2eTestCase])
        $cases[1].Outcome | Should -Be Failed
        $cases[1].FailureMessage | Should -Be 'AssertionError: assert 500 == 200'
        # A report is saved per run: its Job has a name of its own.
        $file = Join-Path $Work "TEST-$($Run.JobName).xml"
        [IO.File]::ReadAllText($file) | Should -BeExactly $FailXml
        ([xml](Get-Content -Raw $file)).testsuites.testsuite.testcase | Should -HaveCount 2
    }

    It '-WhatIf writes no file, and a job without a report is a NoTestReport error with the run''s status' {
        $path = Join-Path $Work 'whatif.xml'
        $Run | Get-E2eResult -OutFile $path -WhatIf | Out-Null
        Test-Path $path | Should -BeFalse

        $summary = Get-E2eResult -Name slow -Namespace $Ns -Kubeconfig $Kc -Summary -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing.FullyQualifiedErrorId | Should -Be 'NoTestReport,E2ePs.Cmdlets.GetE2eResultCommand'
        $summary.ReportStatus | Should -Be Missing
        $summary.RunStatus | Should -BeIn Running, Pending
    }
}

Describe 'Results through a log cut every 100 KB' {
    BeforeAll {
        # A second emulator whose every log response breaks after 100 KB; the test's report comes first,
        # then about 450 KB of log, so every reader of it must resume.
        $cutScenarios = Join-Path $Work 'cut-scenarios.json'
        ConvertTo-Json -Depth 4 -InputObject @(
            @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
            @{ image = 'registry.test/results-chatty:*'; lines = @('collected 2 items') + @(ConvertTo-ReportBlock $FailXml); generateLines = 3000; lineLength = 120; emitDurationMs = 600; exitCode = 1 }
        ) | Set-Content -LiteralPath $cutScenarios
        $script:CutEmulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $cutScenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'cut-kubeconfig') -ExtraArguments '--fault-log-cut-bytes', '100000'
        ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Ns } } |
            kubectl --kubeconfig $CutEmulator.KubeconfigPath create -f - | Out-Null
        New-E2eJob -Name chatty -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image 'registry.test/results-chatty:1' -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
        $mainKubeconfig = $Kc
        $script:Kc = $CutEmulator.KubeconfigPath
        try { $script:NoLog = Start-JobScript -Arguments @('-Name', 'chatty', '-NoLog', '-ResultPath', (Join-Path $Work 'cut-results')) }
        finally { $script:Kc = $mainKubeconfig }
    }

    AfterAll {
        if ($NoLog -and -not $NoLog.Process.HasExited) { $NoLog.Process.Kill($true) }
        if ($CutEmulator) { Stop-KubeEmulator $CutEmulator }
    }

    It 'module/Invoke-E2eJob.ps1 -NoLog exits 1 for the failed test, with its results and its JUnit file' {
        $result = Wait-JobScript $NoLog

        $result.ExitCode | Should -Be 1
        @($result.Output -like "[[]e2eps] $Ns/test-chatty-e2e-*: Failed, 1 passed, 1 failed, 0 skipped") | Should -HaveCount 1
        [IO.File]::ReadAllText((Join-Path $Work 'cut-results' 'TEST-test-chatty-e2e.xml')) | Should -BeExactly $FailXml
    }

    It 'Get-E2eResult -OutFile reads the report of the cut log' {
        $file = Join-Path $Work 'cut-get.xml'
        $cases = Get-E2eResult -Name chatty -Namespace $Ns -Kubeconfig $CutEmulator.KubeconfigPath -OutFile $file

        $cases | Should -HaveCount 2
        [IO.File]::ReadAllText($file) | Should -BeExactly $FailXml
    }
}
