#Requires -Version 7.4
# -ScheduleGracePeriod on the cmdlet surface (issue 15, row 1): the parameter and its help on Wait-E2eJob and
# Invoke-E2eTest, and Wait-E2eJob's verdict on a pod the scheduler cannot place, against the emulator run with its
# Cluster Autoscaler (-AutoscaleAfterSeconds; nodes of 1Gi, at most two).

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-schedule-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
        @{ image = 'localhost:5000/e2eps-pester-scaled:*'; lines = @('1 passed') }
        @{ image = 'registry.test/blocker:*'; lines = @('holding the node'); durationMs = 3600000 }
    ) | Set-Content -LiteralPath $scenarios

    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig') `
        -NodeCpu 4 -NodeMemory 1Gi -AutoscaleAfterSeconds 2 -AutoscaleMaxNodes 2
    $script:Kc = $Emulator.KubeconfigPath

    $script:Ns = 'sched-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    kubectl --kubeconfig $Kc create namespace $Ns | Out-Null
    $script:Repo = New-TestGitRepository
    New-E2eJob -Name scaled -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-scaled:1 -Memory 768Mi -Cpu 100m -Path $Repo | Out-Null
    New-E2eJob -Name toobig -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-scaled:1 -Memory 2Gi -Cpu 100m -Path $Repo | Out-Null
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-ScheduleGracePeriod' {
    It '<Command> has it, 0 to 3600, 120 by default, with help' -ForEach @(@{ Command = 'Wait-E2eJob' }, @{ Command = 'Invoke-E2eTest' }) {
        $parameter = (Get-Command $Command).Parameters['ScheduleGracePeriod']
        $parameter.ParameterType | Should -Be ([int])
        $range = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        $range.MinRange | Should -Be 0
        $range.MaxRange | Should -Be 3600
        $help = Get-Help $Command -Parameter ScheduleGracePeriod
        $help.defaultValue | Should -Be '120'
        ($help.description | Out-String) | Should -BeLike '*NotTriggerScaleUp*'
        { & $Command -Name x -ScheduleGracePeriod 3601 -Kubeconfig $Kc } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'waits while the autoscaler brings a node, says so with -Verbose, and the run succeeds' {
        # A pod that fills the first node: the run's pod fits only a new one.
        $blocker = @{ apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'blocker' }
            spec = @{ containers = @(@{ name = 'c'; image = 'registry.test/blocker:1'; resources = @{ requests = @{ memory = '900Mi' } } }) } }
        ConvertTo-Json -Depth 8 -Compress $blocker | kubectl --kubeconfig $Kc create -n $Ns -f - | Out-Null

        $run = Get-E2eJob -Path $Repo -Name scaled | Start-E2eJob -Kubeconfig $Kc |
            Wait-E2eJob -Timeout 120 -Verbose 4>&1 -ErrorVariable failures -ErrorAction SilentlyContinue
        $verbose = @($run | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $finished = $run | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }

        $failures | Should -BeNullOrEmpty
        $finished.Status | Should -Be 'Succeeded'
        ($verbose -join "`n") | Should -BeLike '*waits for a new node: cluster-autoscaler reports TriggeredScaleUp: pod triggered scale-up: `[{emulator-pool 1->2 (max: 2)}`]*'
    }

    It 'fails fast with the autoscaler''s NotTriggerScaleUp, however long the grace period' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $finished = Get-E2eJob -Path $Repo -Name toobig | Start-E2eJob -Kubeconfig $Kc |
            Wait-E2eJob -Timeout 600 -ScheduleGracePeriod 3600 -ErrorVariable failures -ErrorAction SilentlyContinue

        $finished.Status | Should -Be 'Failed'
        $finished.Reason | Should -Be 'Unschedulable'
        $finished.FailureKind | Should -Be 'Infrastructure'
        $finished.Message | Should -BeLike "*cluster-autoscaler reports NotTriggerScaleUp: pod didn't trigger scale-up: 1 Insufficient memory*"
        $failures.Count | Should -Be 1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 600
    }
}
