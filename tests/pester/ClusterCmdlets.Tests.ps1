#Requires -Version 7.4
# The module surface of Start-E2eJob, Wait-E2eJob, Get-E2eLog and Remove-E2eJob, against the
# Kubernetes API emulator run as a process: one emulator for the file, a namespace for each group of
# tests, and kubectl (an independent client) or the emulator's request counters to see what changed.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-cluster-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null

    # What the containers log and how they exit: the clone succeeds, one test image passes, one fails.
    $script:CloneLines = @('Cloning branch main of https://github.com/example/shop.git', 'Cloned commit 1a2b3c4')
    $script:PassLines = @('collected 2 items', 'tests/e2e/test_shop.py::test_cart PASSED', 'tests/e2e/test_shop.py::test_pay PASSED', '2 passed in 0.42s')
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = $CloneLines }
        @{ image = 'localhost:5000/e2eps-pester-pass:*'; lines = $PassLines }
        @{ image = 'localhost:5000/e2eps-pester-fail:*'; lines = @('tests/e2e/test_shop.py::test_cart FAILED'); exitCode = 1 }
    ) | Set-Content -LiteralPath $scenarios

    # The newest build of the emulator, whichever configuration built it last.
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath

    function New-TestNamespace {
        # Created with kubectl, so the cluster is set up by a client other than E2ePs.
        $name = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $name } } |
            kubectl --kubeconfig $Kc create -f - | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl could not create namespace $name" }
        $name
    }

    function Get-ClusterObject {
        # What the jobs left in a namespace: Jobs, pods, ServiceAccounts (but the default one), Roles, RoleBindings.
        param([string] $Namespace)
        kubectl --kubeconfig $Kc get 'jobs,pods,serviceaccounts,roles,rolebindings' -n $Namespace -o name |
            Where-Object { $_ -ne 'serviceaccount/default' } | Sort-Object
    }

    function Invoke-EmulatorAdmin {
        param([string] $Path, [string] $Method = 'Get')
        Invoke-RestMethod -Method $Method -Uri "$($Emulator.Server)/_emulator/$Path" -SkipCertificateCheck -Headers @{ Authorization = "Bearer $($Emulator.Token)" }
    }

    function Get-ChangingRequestCount {
        # Requests since the last Reset-EmulatorStat that could have changed the cluster (dry runs included).
        $byVerb = (Invoke-EmulatorAdmin 'stats').requestsByVerb
        ($byVerb.PSObject.Properties | Where-Object Name -in 'create', 'update', 'patch', 'delete', 'deletecollection' |
            Measure-Object -Property Value -Sum).Sum ?? 0
    }

    function Reset-EmulatorStat { Invoke-EmulatorAdmin 'stats/reset' -Method Post | Out-Null }

    # The jobs are scaffolded for a namespace that exists; tests that need a clean slate pass -Namespace.
    $script:Ns = New-TestNamespace
    $script:Repo = New-TestGitRepository
    New-E2eJob -Name pass -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-pass:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    New-E2eJob -Name fail -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-fail:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-E2eJob | Start-E2eJob | Wait-E2eJob | Get-E2eLog' {
    BeforeAll {
        $script:Lines = Get-E2eJob -Path $Repo -Name pass |
            Start-E2eJob -Kubeconfig $Kc -OutVariable started |
            Wait-E2eJob -OutVariable finished |
            Get-E2eLog
        $script:Started = $started
        $script:Finished = $finished
    }

    It 'Start-E2eJob returns a pending run in the job''s namespace, on the cluster of -Kubeconfig' {
        $Started | Should -HaveCount 1
        $Started[0] | Should -BeOfType ([E2ePs.Models.E2eRun])
        $Started[0].Status | Should -Be Pending
        $Started[0].Namespace | Should -Be $Ns
        $Started[0].Kubeconfig | Should -Be $Kc
        $Started[0].Context | Should -Be 'emulator'
        $Started[0].RunId | Should -Match '^\d{8}-\d{6}-[0-9a-f]{6}$'
    }

    It 'creates the Job labelled with the run id, as kubectl sees it' {
        $job = kubectl --kubeconfig $Kc get job $Started[0].JobName -n $Ns -o json | ConvertFrom-Json -AsHashtable

        $job.metadata.uid | Should -Be $Started[0].Uid
        $job.metadata.labels['e2eps.io/run-id'] | Should -Be $Started[0].RunId
        $job.metadata.labels['e2eps.io/job'] | Should -Be 'pass'
        $Started[0].JobName | Should -BeLike 'test-pass-e2e-*' -Because 'each run is a Job of its own'
        $job.spec.template.spec.containers[0].image | Should -Be 'localhost:5000/e2eps-pester-pass:1'
    }

    It 'Wait-E2eJob returns the same run, succeeded' {
        $Finished | Should -HaveCount 1
        $Finished[0] | Should -BeOfType ([E2ePs.Models.E2eRun])
        $Finished[0].Status | Should -Be Succeeded
        $Finished[0].ExitCode | Should -Be 0
        $Finished[0].RunId | Should -Be $Started[0].RunId
        $Finished[0].Uid | Should -Be $Started[0].Uid
        $Finished[0].PodNames | Should -HaveCount 1
        $Started[0].Status | Should -Be Pending -Because 'the run piped in is not changed'
    }

    It 'Get-E2eLog returns the lines in order, the init container first' {
        $Lines | ForEach-Object { $_ | Should -BeOfType ([E2ePs.Models.E2eLogLine]) }
        $Lines.Message | Should -Be ($CloneLines + $PassLines)
        $Lines.Container | Should -Be (@('clone-repo') * 2 + @('test-runner') * 4)
        $Lines.InitContainer | Should -Be (@($true) * 2 + @($false) * 4)
        $Lines.Pod | Select-Object -Unique | Should -Be $Finished[0].PodNames[0]
        $Lines | ForEach-Object { $_.Timestamp | Should -Not -BeNullOrEmpty }
    }

    It 'shown, each line starts with its pod and container, as kubectl logs --prefix prints it' {
        $text = $Lines | Out-String

        $pod = $Finished[0].PodNames[0]
        # No headers, no blank lines (LogOutput.Tests.ps1 covers widths, redirection and kubectl's bytes).
        $text.TrimEnd() -split "\r?\n" | Should -Be (@($CloneLines | ForEach-Object { "[pod/$pod/clone-repo] $_" }) + @($PassLines | ForEach-Object { "[pod/$pod/test-runner] $_" }))
    }

    It 'Get-E2eLog -Timestamps writes strings with an RFC 3339 timestamp after the container''s prefix, under culture <_>' -ForEach 'en-US', 'fi-FI' {
        $culture = [cultureinfo]::CurrentCulture
        [cultureinfo]::CurrentCulture = $_
        try {
            $text = $Finished[0] | Get-E2eLog -Timestamps
        }
        finally { [cultureinfo]::CurrentCulture = $culture }

        $text | Should -HaveCount 6
        $text | ForEach-Object { $_ | Should -BeOfType ([string]) }
        # As kubectl logs --prefix --timestamps: "[pod/<pod>/<container>] <timestamp> <text>".
        $text | ForEach-Object { $_ | Should -Match '^\[pod/[^/]+/[a-z-]+\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z ' }
        ($text -replace '^\S+ \S+ ') | Should -Be ($CloneLines + $PassLines)
        $first = [DateTimeOffset]::ParseExact(($text[0] -split ' ')[1], 'yyyy-MM-ddTHH:mm:ss.fffffffZ', [cultureinfo]::InvariantCulture, 'AssumeUniversal')
        $first | Should -Be $Lines[0].Timestamp
    }

    It 'Get-E2eLog and Get-E2eResult of a run that was replaced both write RunReplaced, with its target and action' {
        $gone = $Finished[0].Uid.Substring(0, 8) + '-0000-0000-0000-000000000000'
        $job = $Finished[0].JobName
        $lines = Get-E2eLog -Name pass -JobName $job -Uid $gone -Namespace $Ns -Kubeconfig $Kc -ErrorAction SilentlyContinue -ErrorVariable logError
        Get-E2eResult -Name pass -JobName $job -Uid $gone -Namespace $Ns -Kubeconfig $Kc -ErrorAction SilentlyContinue -ErrorVariable resultError | Out-Null

        $lines | Should -BeNullOrEmpty
        $logError.FullyQualifiedErrorId | Should -Be 'RunReplaced,E2ePs.Cmdlets.GetE2eLogCommand'
        $resultError.FullyQualifiedErrorId | Should -Be 'RunReplaced,E2ePs.Cmdlets.GetE2eResultCommand'
        $logError[0].CategoryInfo.Category | Should -Be ObjectNotFound
        $logError[0].TargetObject | Should -Be $job
        $logError[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}

Describe 'A run that fails' {
    It 'writes an E2eRunFailed error with its category and target, and still outputs the run' {
        $run = Get-E2eJob -Path $Repo -Name fail | Start-E2eJob -Kubeconfig $Kc | Wait-E2eJob -ErrorVariable failure -ErrorAction SilentlyContinue

        $run | Should -HaveCount 1
        $run.Status | Should -Be Failed
        $run.Reason | Should -Be BackoffLimitExceeded
        $run.ExitCode | Should -Be 1
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'E2eRunFailed,E2ePs.Cmdlets.WaitE2eJobCommand'
        $failure[0].CategoryInfo.Category | Should -Be InvalidResult
        $failure[0].TargetObject | Should -BeOfType ([E2ePs.Models.E2eRun])
        $failure[0].TargetObject.RunId | Should -Be $run.RunId
        $failure[0].Exception.Message | Should -Match 'exit code 1'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*Get-E2eLog -Name fail -Namespace*'
    }

    It 'throws with -ErrorAction Stop, after writing the run' {
        $thrown = $null
        try {
            Get-E2eJob -Path $Repo -Name fail | Start-E2eJob -Kubeconfig $Kc | Wait-E2eJob -ErrorAction Stop -OutVariable written | Out-Null
        }
        catch { $thrown = $_ }

        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'E2eRunFailed,*'
        $written | Should -HaveCount 1
        $written[0].Status | Should -Be Failed
    }

    It 'makes the CI pattern of the help exit with code 1, in a fresh pwsh' {
        $ci = "Import-Module '$Root/E2ePs.psd1'
            try { Get-E2eJob -Path '$Repo' -Name fail | Start-E2eJob -Kubeconfig '$Kc' -ErrorAction Stop | Wait-E2eJob -ErrorAction Stop | Out-Null }
            catch { `$_.FullyQualifiedErrorId; exit 1 }
            exit 0"

        $result = Invoke-FreshPwsh -Command $ci

        $result.ExitCode | Should -Be 1
        $result.Output | Should -Contain 'E2eRunFailed,E2ePs.Cmdlets.WaitE2eJobCommand'
    }
}

Describe 'Remove-E2eJob' {
    BeforeAll {
        $script:RemoveNs = New-TestNamespace
        Get-E2eJob -Path $Repo -Name pass | Start-E2eJob -Kubeconfig $Kc -Namespace $RemoveNs | Wait-E2eJob | Out-Null
        $script:Everything = Get-ClusterObject $RemoveNs
    }

    It 'leaves the run''s Job, pod, ServiceAccount, Role and RoleBinding to remove' {
        @($Everything -like 'job.batch/test-pass-e2e-*') | Should -HaveCount 1
        $Everything | Should -Contain 'serviceaccount/test-pass-e2e'
        $Everything | Should -Contain 'role.rbac.authorization.k8s.io/test-pass-e2e'
        $Everything | Should -Contain 'rolebinding.rbac.authorization.k8s.io/test-pass-e2e'
        @($Everything -like 'pod/test-pass-e2e-*') | Should -HaveCount 1
    }

    It 'with -WhatIf deletes nothing' {
        Reset-EmulatorStat
        $out = Remove-E2eJob -Name pass -Namespace $RemoveNs -Kubeconfig $Kc -All -WhatIf

        $out | Should -BeNullOrEmpty
        Get-ChangingRequestCount | Should -Be 0
        Get-ClusterObject $RemoveNs | Should -Be $Everything
    }

    It 'with -All deletes the Job, its pod, the ServiceAccount, the Role and the RoleBinding' {
        $verbose = Remove-E2eJob -Name pass -Namespace $RemoveNs -Kubeconfig $Kc -All -Verbose 4>&1

        Get-ClusterObject $RemoveNs | Should -BeNullOrEmpty
        $run = @($Everything -like 'job.batch/test-pass-e2e-*')[0] -replace '^job\.batch/'
        $verbose.Message -like 'Deleted *' | Should -Be @(
            "Deleted Job/$run in namespace $RemoveNs."
            "Deleted RoleBinding/test-pass-e2e in namespace $RemoveNs."
            "Deleted Role/test-pass-e2e in namespace $RemoveNs."
            "Deleted ServiceAccount/test-pass-e2e in namespace $RemoveNs.")
    }

    It 'without -All keeps the ServiceAccount, Role and RoleBinding, and binds a run piped in' {
        $ns = New-TestNamespace
        Get-E2eJob -Path $Repo -Name pass | Start-E2eJob -Kubeconfig $Kc -Namespace $ns | Remove-E2eJob

        Get-ClusterObject $ns | Should -Be @(
            'role.rbac.authorization.k8s.io/test-pass-e2e'
            'rolebinding.rbac.authorization.k8s.io/test-pass-e2e'
            'serviceaccount/test-pass-e2e')
    }
}

Describe 'Start-E2eJob -WhatIf' {
    It 'sends no request that changes the cluster, and returns nothing' {
        $ns = New-TestNamespace
        Reset-EmulatorStat
        $out = Get-E2eJob -Path $Repo | Start-E2eJob -Kubeconfig $Kc -Namespace $ns -WhatIf

        $out | Should -BeNullOrEmpty
        Get-ChangingRequestCount | Should -Be 0
        Get-ClusterObject $ns | Should -BeNullOrEmpty
    }
}

Describe 'Bad input' {
    BeforeAll {
        $script:BadNs = New-TestNamespace
        # A copy of the kubeconfig whose user has a wrong token, and one with a second context; made with kubectl.
        $script:BadTokenKc = Join-Path $Work 'bad-token.kubeconfig'
        Copy-Item $Kc $BadTokenKc
        kubectl config set-credentials emulator --token=not-the-token --kubeconfig $BadTokenKc | Out-Null
        $script:MissingKc = Join-Path $Work 'missing.kubeconfig'
    }

    BeforeEach { Reset-EmulatorStat }

    It 'Start-E2eJob reports <Id> (<Category>) and changes nothing' -ForEach @(
        @{ Id = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'KubeconfigNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'NamespaceNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'ClusterUnauthorized'; Category = 'AuthenticationError' }
    ) {
        $arguments, $target = switch ($Id) {
            'ContextNotFound' { @{ Kubeconfig = $Kc; Context = 'no-such-context'; Namespace = $BadNs }, 'no-such-context' }
            'KubeconfigNotFound' { @{ Kubeconfig = $MissingKc; Namespace = $BadNs }, $MissingKc }
            'NamespaceNotFound' { @{ Kubeconfig = $Kc; Namespace = 'no-such-namespace' }, 'no-such-namespace' }
            'ClusterUnauthorized' { @{ Kubeconfig = $BadTokenKc; Namespace = $BadNs }, $BadNs }
        }

        $out = Get-E2eJob -Path $Repo -Name pass | Start-E2eJob @arguments -ErrorVariable failure -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be "$Id,E2ePs.Cmdlets.StartE2eJobCommand"
        $failure[0].CategoryInfo.Category | Should -Be $Category
        $failure[0].TargetObject | Should -Be $target
        $failure[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-ChangingRequestCount | Should -Be 0
        Get-ClusterObject $BadNs | Should -BeNullOrEmpty
    }

    It '<Command> of a job that does not exist reports JobNotFound and changes nothing' -ForEach @(
        @{ Command = 'Remove-E2eJob' }
        @{ Command = 'Get-E2eLog' }
    ) {
        $out = & $Command -Name ghost -Namespace $BadNs -Kubeconfig $Kc -ErrorVariable failure -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        $failure[0].CategoryInfo.Category | Should -Be ObjectNotFound
        $failure[0].TargetObject | Should -Be 'test-ghost-e2e'
        $failure[0].Exception.Message | Should -BeLike "*$BadNs*"
        Get-ChangingRequestCount | Should -Be 0
    }

    It '<Command> with an unknown -Context reports ContextNotFound' -ForEach @(
        @{ Command = 'Remove-E2eJob' }
        @{ Command = 'Get-E2eLog' }
    ) {
        & $Command -Name pass -Namespace $Ns -Kubeconfig $Kc -Context no-such-context -ErrorVariable failure -ErrorAction SilentlyContinue

        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'ContextNotFound,*'
        $failure[0].TargetObject | Should -Be 'no-such-context'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*emulator*'
        Get-ChangingRequestCount | Should -Be 0
    }
}

Describe 'Tab completion of -Context' {
    BeforeAll {
        $script:TwoContextKc = Join-Path $Work 'two-contexts.kubeconfig'
        Copy-Item $Kc $TwoContextKc
        kubectl config set-context staging --cluster emulator --user emulator --kubeconfig $TwoContextKc | Out-Null
    }

    It '<_> lists the contexts of the kubeconfig' -ForEach 'Start-E2eJob', 'Get-E2eLog', 'Remove-E2eJob' {
        $line = "$_ -Kubeconfig '$TwoContextKc' -Context "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('emulator', 'staging')

        $line = "$_ -Kubeconfig '$TwoContextKc' -Context st"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'staging'
    }
}
