#Requires -Version 7.4
# Finding runs (issue 13): Get-E2eRun, the one by-name rule of every cmdlet (the repository found from any
# folder inside it; -Namespace, else the definition's namespace, else the context's; the newest run), and
# Remove-E2eJob of runs, against the Kubernetes API emulator run as a process. The definitions live in a
# namespace other than the context's (default), as swe-ai-fleet's did in the issue. Runs of the three shapes
# are made with kubectl from the manifest: a run-named Job (test-<name>-e2e-<6 hex>, both labels, as
# Start-E2eJob makes them), the fixed name without a run id (kubectl apply of the manifest), and the fixed
# name with a run id (the previous release).

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-runfind-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('cloned') }
        @{ image = 'localhost:5000/e2eps-runfind-pass:*'; lines = @('passed') }
        @{ image = 'localhost:5000/e2eps-runfind-fail:*'; lines = @('failed'); exitCode = 1 }
    ) | Set-Content -LiteralPath $scenarios
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath

    function New-TestNamespace {
        $name = 'fleet-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        kubectl --kubeconfig $Kc create namespace $name | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl could not create namespace $name" }
        $name
    }

    function Invoke-EmulatorAdmin {
        param([string] $Path, [string] $Method = 'Get')
        Invoke-RestMethod -Method $Method -Uri "$($Emulator.Server)/_emulator/$Path" -SkipCertificateCheck -Headers @{ Authorization = "Bearer $($Emulator.Token)" }
    }

    function Get-ChangingRequestCount {
        $byVerb = (Invoke-EmulatorAdmin 'stats').requestsByVerb
        ($byVerb.PSObject.Properties | Where-Object Name -in 'create', 'update', 'patch', 'delete', 'deletecollection' | Measure-Object -Property Value -Sum).Sum ?? 0
    }

    function New-KubectlRun {
        # Applies a job's manifest with kubectl, as a person or the previous release would: -JobName renames
        # its Job (a run-named Job as Start-E2eJob makes them), -RunId labels the Job and its pods.
        param([string] $Name, [string] $JobName, [string] $RunId, [string] $Image)
        $manifest = Get-Content -Raw -LiteralPath (Join-Path $Repo "deploy/k8s/99-test-$Name-e2e.yaml")
        if ($JobName) { $manifest = $manifest -replace "(kind: Job\r?\n(?:.*\r?\n)*?  name: )test-$Name-e2e", "`${1}$JobName" }
        if ($RunId) { $manifest = $manifest -replace "(?m)^(\s+)e2eps\.io/job: $Name\r?$", "`$0`n`${1}e2eps.io/run-id: $RunId" }
        if ($Image) { $manifest = $manifest -replace 'image: localhost:5000/e2eps-runfind-pass:1', "image: $Image" }
        $manifest | kubectl --kubeconfig $Kc apply -f - 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl could not apply the manifest of $Name" }
        $job = kubectl --kubeconfig $Kc get job ($JobName ? $JobName : "test-$Name-e2e") -n (Get-E2eJob -Path $Repo -Name $Name).Namespace -o json | ConvertFrom-Json
        $job.metadata.uid
    }

    # The definitions' namespace is not the context's (default).
    $script:Ns = New-TestNamespace
    $script:Repo = New-TestGitRepository
    foreach ($name in 'pass', 'kube', 'prev', 'many', 'gone') {
        New-E2eJob -Name $name -TestPath tests/e2e -Namespace $Ns -Image localhost:5000/e2eps-runfind-pass:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    }
    $script:Subfolder = Join-Path $Repo 'src/deep'
    New-Item -ItemType Directory -Path $Subfolder | Out-Null
    $script:Outside = Join-Path $Work 'outside'
    New-Item -ItemType Directory -Path $Outside | Out-Null

    $script:Started = Start-E2eJob pass -Path $Repo -Kubeconfig $Kc | Wait-E2eJob
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Working from any folder of the repository' {
    It 'Get-E2eJob from a subfolder finds the repository''s jobs' {
        Push-Location $Subfolder
        try { (Get-E2eJob).Name | Should -Be @('gone', 'kube', 'many', 'pass', 'prev') } finally { Pop-Location }
    }

    It 'New-E2eJob from a subfolder writes the job into the repository, not the subfolder' {
        Push-Location $Subfolder
        try { $job = New-E2eJob -Name sub -TestPath tests/e2e -Namespace $Ns -Image localhost:5000/e2eps-runfind-pass:1 } finally { Pop-Location }

        $job.ManifestPath | Should -Be (Join-Path $Repo 'deploy/k8s/99-test-sub-e2e.yaml')
        Join-Path $Subfolder 'deploy' | Should -Not -Exist
    }
}

Describe 'By-name use of <Where>' -ForEach @(
    @{ Where = 'the repository root'; Location = 'Repo'; Extra = @{} }
    @{ Where = 'a subfolder of the repository'; Location = 'Subfolder'; Extra = @{} }
    @{ Where = 'outside the repository, with -Namespace'; Location = 'Outside'; Extra = @{ Namespace = '$Ns' } }
) {
    BeforeAll {
        $script:Arguments = @{ Kubeconfig = $Kc }
        if ($Extra.Namespace) { $Arguments.Namespace = $Ns }
        Push-Location (Get-Variable -Name $Location -Scope Script -ValueOnly)
    }

    AfterAll { Pop-Location }

    It 'Get-E2eRun lists the run in the definition''s namespace' {
        $runs = @(Get-E2eRun pass @Arguments)
        $runs | Should -HaveCount 1
        $runs[0].Uid | Should -Be $Started.Uid
        $runs[0].Namespace | Should -Be $Ns
        $runs[0].Status | Should -Be Succeeded
    }

    It 'Get-E2eLog reads the newest run' {
        (Get-E2eLog pass @Arguments).Message | Should -Be @('cloned', 'passed')
    }

    It 'Get-E2eResult reads the newest run' {
        $result = Get-E2eResult pass @Arguments -Summary -ErrorAction SilentlyContinue
        $result.Namespace | Should -Be $Ns
        $result.RunStatus | Should -Be Succeeded
    }

    It 'Get-E2eDiagnostic diagnoses the newest run' {
        $diagnostic = Get-E2eDiagnostic pass @Arguments
        $diagnostic.Namespace | Should -Be $Ns
        $diagnostic.PodName | Should -Be $Started.PodNames[0]
    }

    It 'Wait-E2eJob waits for the newest run' {
        (Wait-E2eJob pass @Arguments).Uid | Should -Be $Started.Uid
    }

    It 'Remove-E2eJob -WhatIf finds the run and changes nothing' {
        Invoke-EmulatorAdmin 'stats/reset' -Method Post | Out-Null
        Remove-E2eJob pass @Arguments -WhatIf
        Get-ChangingRequestCount | Should -Be 0
        (Get-E2eRun pass -Kubeconfig $Kc -Namespace $Ns).Uid | Should -Be $Started.Uid
    }
}

Describe 'A name with no run there' {
    It '<_> outside the repository without -Namespace looks in the context''s namespace and says JobNotFound, with Get-E2eRun to list' -ForEach 'Get-E2eLog', 'Get-E2eResult', 'Get-E2eDiagnostic', 'Wait-E2eJob', 'Remove-E2eJob' {
        Push-Location $Outside
        $confirm = if ($_ -eq 'Remove-E2eJob') { @{ Confirm = $false } } else { @{} }
        try { $out = & $_ pass -Kubeconfig $Kc @confirm -ErrorVariable failure -ErrorAction SilentlyContinue 2>$null } finally { Pop-Location }

        $out | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        $failure[0].TargetObject | Should -Be 'test-pass-e2e'
        $failure[0].Exception.Message | Should -BeLike '*namespace default*'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*Get-E2eRun*'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*Start-E2eJob pass*'
    }

    It 'Wait-E2eJob -RunId of no run is RunNotFound' {
        Wait-E2eJob pass -RunId 20990101-000000-000000 -Kubeconfig $Kc -Namespace $Ns -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'RunNotFound,E2ePs.Cmdlets.WaitE2eJobCommand'
        $failure[0].TargetObject | Should -Be '20990101-000000-000000'
    }
}

Describe 'Runs E2ePs did not start' {
    It 'a run started by kubectl from the manifest (fixed name, no run id) is listed and waited for' {
        $uid = New-KubectlRun -Name kube

        $listed = @(Get-E2eRun kube -Kubeconfig $Kc -Namespace $Ns)
        $listed | Should -HaveCount 1
        $listed[-1].Uid | Should -Be $uid
        $listed[-1].JobName | Should -Be 'test-kube-e2e'
        $listed[-1].RunId | Should -Be ('uid-' + $uid.Replace('-', '').Substring(0, 12))
        $finished = Wait-E2eJob kube -Kubeconfig $Kc -Namespace $Ns
        $finished.Uid | Should -Be $uid
        $finished.Status | Should -Be Succeeded
        $finished.PodNames | Should -HaveCount 1
    }

    It 'a run of the previous release (fixed name with a run id) is listed and waited for' {
        $uid = New-KubectlRun -Name prev -RunId 20261205-090000-aa11bb

        $listed = Get-E2eRun prev -Kubeconfig $Kc -Namespace $Ns
        $listed.RunId | Should -Be '20261205-090000-aa11bb'
        $finished = $listed | Wait-E2eJob
        $finished.Uid | Should -Be $uid
        $finished.Status | Should -Be Succeeded
    }
}

Describe 'Several runs of one definition' {
    BeforeAll {
        # Three runs as Start-E2eJob makes them, oldest first; the last one fails.
        $script:ManyUids = @(
            New-KubectlRun -Name many -JobName test-many-e2e-a1b2c3 -RunId 20261205-100000-a1b2c3
            New-KubectlRun -Name many -JobName test-many-e2e-d4e5f6 -RunId 20261205-100100-d4e5f6
            New-KubectlRun -Name many -JobName test-many-e2e-0a0b0c -RunId 20261205-100200-0a0b0c -Image localhost:5000/e2eps-runfind-fail:1)
        Get-E2eRun many -Kubeconfig $Kc -Namespace $Ns | Wait-E2eJob -ErrorAction SilentlyContinue | Out-Null
        Push-Location $Repo
    }

    AfterAll { Pop-Location }

    It 'Get-E2eRun lists them newest last' {
        (Get-E2eRun many -Kubeconfig $Kc).Uid | Should -Be $ManyUids
    }

    It 'the name means the newest run, in every cmdlet' {
        (Wait-E2eJob many -Kubeconfig $Kc -ErrorAction SilentlyContinue).JobName | Should -Be 'test-many-e2e-0a0b0c'
        (Get-E2eLog many -Kubeconfig $Kc).Message | Should -Be @('cloned', 'failed')
        (Get-E2eDiagnostic many -Kubeconfig $Kc).PodName | Should -BeLike 'test-many-e2e-0a0b0c-*'
    }

    It 'Wait-E2eJob -RunId waits for the run it names, and a run-named Job''s name names that run' {
        (Wait-E2eJob many -RunId 20261205-100000-a1b2c3 -Kubeconfig $Kc).Uid | Should -Be $ManyUids[0]
        (Get-E2eRun test-many-e2e-d4e5f6 -Kubeconfig $Kc).Uid | Should -Be $ManyUids[1]
        (Get-E2eLog test-many-e2e-d4e5f6 -Kubeconfig $Kc).Message | Should -Be @('cloned', 'passed')
    }

    It 'Get-E2eRun -Status, -Last and -Name with wildcards filter' {
        (Get-E2eRun many -Status Failed -Kubeconfig $Kc).Uid | Should -Be $ManyUids[2]
        (Get-E2eRun many -Status Succeeded -Kubeconfig $Kc).Uid | Should -Be $ManyUids[0..1]
        (Get-E2eRun many -Last 2 -Kubeconfig $Kc).Uid | Should -Be $ManyUids[1..2]
        (Get-E2eRun 'm*' -Kubeconfig $Kc).Uid | Should -Be $ManyUids
        (Get-E2eRun 'test-many-e2e-d*' -Kubeconfig $Kc).Uid | Should -Be $ManyUids[1]
        @(Get-E2eRun 'nothing*' -Kubeconfig $Kc) | Should -HaveCount 0
    }

    It 'Get-E2eRun -RunId lists the run it names, by run id or Job UID, and says RunNotFound for none' {
        (Get-E2eRun -RunId 20261205-100100-d4e5f6 -Kubeconfig $Kc).Uid | Should -Be $ManyUids[1]
        (Get-E2eRun many -RunId 20261205-100200-0a0b0c -Kubeconfig $Kc).Uid | Should -Be $ManyUids[2]
        (Get-E2eRun -RunId $ManyUids[0] -Kubeconfig $Kc).RunId | Should -Be 20261205-100000-a1b2c3

        Get-E2eRun -RunId 20990101-000000-000000 -Kubeconfig $Kc -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'RunNotFound,E2ePs.Cmdlets.GetE2eRunCommand'
        $failure[0].TargetObject | Should -Be '20990101-000000-000000'
        Get-E2eRun many -RunId 20990101-000000-000000 -Kubeconfig $Kc -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].Exception.Message | Should -BeLike '*no run 20990101-000000-000000 of E2E job ''many''*'
    }

    It 'Get-E2eRun -AllNamespaces lists every namespace''s runs' {
        $other = New-TestNamespace
        Start-E2eJob pass -Path $Repo -Namespace $other -Kubeconfig $Kc | Out-Null

        $all = Get-E2eRun -AllNamespaces -Kubeconfig $Kc
        $all.Namespace | Select-Object -Unique | Sort-Object | Should -Be (@($Ns, $other) | Sort-Object)
        ($all | Out-String -Width 200) | Should -Match '(?m)^Namespace\s+Name\s+Run\s+Status\s+Start\s+Duration\s+Commit\s+Pods\s+Reason'
    }

    It 'the format view shows the columns of kubectl get jobs, newest last' {
        $table = (Get-E2eRun many -Kubeconfig $Kc | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() }
        $table[0] | Should -Match '^Name\s+Run\s+Status\s+Start\s+Duration\s+Commit\s+Pods\s+Reason'
        $table[-1] | Should -Match '^many\s+20261205-100200-0a0b0c\s+Failed\s+.*\s1\s+BackoffLimitExceeded'
    }

    It 'a listed run pipes into Get-E2eLog, Get-E2eResult and Get-E2eDiagnostic as exactly that run' {
        $oldest = Get-E2eRun many -Kubeconfig $Kc | Select-Object -First 1
        ($oldest | Get-E2eLog).Message | Should -Be @('cloned', 'passed')
        ($oldest | Get-E2eResult -Summary -ErrorAction SilentlyContinue).JobName | Should -Be 'test-many-e2e-a1b2c3'
        ($oldest | Get-E2eDiagnostic).PodName | Should -BeLike 'test-many-e2e-a1b2c3-*'
    }

    It 'Get-E2eJob | Wait-E2eJob waits for the newest run of the job piped in' {
        (Get-E2eJob many | Wait-E2eJob -Kubeconfig $Kc -ErrorAction SilentlyContinue).Uid | Should -Be $ManyUids[2]
    }
}

Describe 'Remove-E2eJob removes runs' {
    BeforeAll {
        $script:GoneUids = @(
            New-KubectlRun -Name gone -JobName test-gone-e2e-000001 -RunId 20261205-110000-000001
            New-KubectlRun -Name gone -JobName test-gone-e2e-000002 -RunId 20261205-110100-000002
            New-KubectlRun -Name gone -JobName test-gone-e2e-000003 -RunId 20261205-110200-000003
            New-KubectlRun -Name gone -JobName test-gone-e2e-000004 -RunId 20261205-110300-000004)
        function Get-GoneJob { @(kubectl --kubeconfig $Kc get jobs -n $Ns -l e2eps.io/job=gone -o name) | Sort-Object }
        function Get-GoneAccess { @(kubectl --kubeconfig $Kc get 'serviceaccounts,roles,rolebindings' -n $Ns -o name) -like '*/test-gone-e2e' }
    }

    It '-WhatIf says which Jobs and changes nothing' {
        Invoke-EmulatorAdmin 'stats/reset' -Method Post | Out-Null
        $said = Invoke-FreshPwsh -Command "Import-Module '$Root/E2ePs.psd1'; Remove-E2eJob gone -All -Kubeconfig '$Kc' -Namespace $Ns -WhatIf"

        Get-ChangingRequestCount | Should -Be 0
        @(Get-GoneJob) | Should -HaveCount 4
        $said.Output -join "`n" | Should -Match 'test-gone-e2e-000001 \(run 20261205-110000-000001'
        $said.Output -join "`n" | Should -Match 'test-gone-e2e-000004 \(run 20261205-110300-000004'
        $said.Output -join "`n" | Should -Match 'ServiceAccount, Role and RoleBinding test-gone-e2e'
    }

    It '-Keep 3 removes the oldest run only' {
        Remove-E2eJob gone -Keep 3 -Kubeconfig $Kc -Namespace $Ns -Confirm:$false
        Get-GoneJob | Should -Be @('job.batch/test-gone-e2e-000002', 'job.batch/test-gone-e2e-000003', 'job.batch/test-gone-e2e-000004')
    }

    It '-OlderThan removes no run younger than that' {
        Remove-E2eJob gone -OlderThan (New-TimeSpan -Hours 1) -Kubeconfig $Kc -Namespace $Ns -Confirm:$false
        @(Get-GoneJob) | Should -HaveCount 3
    }

    It 'a piped run removes exactly that run' {
        Get-E2eRun gone -Kubeconfig $Kc -Namespace $Ns | Select-Object -First 1 | Remove-E2eJob -Confirm:$false
        Get-GoneJob | Should -Be @('job.batch/test-gone-e2e-000003', 'job.batch/test-gone-e2e-000004')
    }

    It '-All with -Keep keeps the ServiceAccount, Role and RoleBinding while a run is left' {
        Remove-E2eJob gone -All -Keep 1 -Kubeconfig $Kc -Namespace $Ns -Confirm:$false
        Get-GoneJob | Should -Be @('job.batch/test-gone-e2e-000004')
        @(Get-GoneAccess) | Should -HaveCount 3
    }

    It '-All removes the last run, then the ServiceAccount, Role and RoleBinding' {
        $verbose = Remove-E2eJob gone -All -Kubeconfig $Kc -Namespace $Ns -Confirm:$false -Verbose 4>&1
        @(Get-GoneJob) | Should -HaveCount 0
        @(Get-GoneAccess) | Should -HaveCount 0
        $verbose.Message -like 'Deleted *' | Should -Be @(
            "Deleted Job/test-gone-e2e-000004 in namespace $Ns."
            "Deleted RoleBinding/test-gone-e2e in namespace $Ns."
            "Deleted Role/test-gone-e2e in namespace $Ns."
            "Deleted ServiceAccount/test-gone-e2e in namespace $Ns.")
    }
}

Describe 'Wait-E2eJob for a run another process started' {
    It 'waits for the newest run by name, and reports the run that process started' {
        $started = Invoke-FreshPwsh -Command "Import-Module '$Root/E2ePs.psd1'; (Start-E2eJob pass -Path '$Repo' -Kubeconfig '$Kc').Uid"
        $started.ExitCode | Should -Be 0
        $uid = $started.Output[-1]

        Push-Location $Subfolder
        try { $finished = Wait-E2eJob pass -Kubeconfig $Kc -Timeout 120 } finally { Pop-Location }

        $finished.Uid | Should -Be $uid
        $finished.Status | Should -Be Succeeded
    }
}

Describe 'A definition of the repository that was never started' {
    BeforeAll {
        New-E2eJob -Name fresh -TestPath tests/e2e -Namespace $Ns -Image localhost:5000/e2eps-runfind-pass:1 -Path $Repo | Out-Null
        Push-Location $Repo
    }

    AfterAll { Pop-Location }

    It '<_> says JobNotStarted (defined here, no run there) and tells to start it first' -ForEach 'Wait-E2eJob', 'Get-E2eLog', 'Get-E2eResult' {
        $out = & $_ fresh -Kubeconfig $Kc -ErrorVariable failure -ErrorAction SilentlyContinue 2>$null

        $out | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobNotStarted,*'
        $failure[0].CategoryInfo.Category | Should -Be ObjectNotFound
        $failure[0].TargetObject | Should -Be 'test-fresh-e2e'
        $failure[0].Exception.Message | Should -BeLike "*'fresh' is defined in*has no run in namespace $Ns*"
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*Start-E2eJob fresh*'
    }

    It 'a name the repository does not define is still JobNotFound' {
        Wait-E2eJob nosuch -Kubeconfig $Kc -Namespace $Ns -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'JobNotFound,E2ePs.Cmdlets.WaitE2eJobCommand'
    }
}
