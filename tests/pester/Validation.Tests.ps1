#Requires -Version 7.4
# What E2ePs refuses, and how: every value a cmdlet takes is checked by the same rule (E2ePs.Validation.ValueRules)
# whichever cmdlet takes it, and a hand-edited manifest that could not run as the job its file names is
# refused when it is read. Each refusal is an ErrorRecord with an id, a category, a target and what to do,
# and changes nothing: no file written, no request that could change the cluster (the emulator counts them).

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-validation-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath

    function Invoke-EmulatorAdmin {
        param([string] $Path, [string] $Method = 'Get')
        Invoke-RestMethod -Method $Method -Uri "$($Emulator.Server)/_emulator/$Path" -SkipCertificateCheck -Headers @{ Authorization = "Bearer $($Emulator.Token)" }
    }

    function Get-RequestCount {
        # Every API request since the last Reset-EmulatorStat, reads included.
        $byVerb = (Invoke-EmulatorAdmin 'stats').requestsByVerb
        ($byVerb.PSObject.Properties | Measure-Object -Property Value -Sum).Sum ?? 0
    }

    function Get-ChangingRequestCount {
        # Requests since the last Reset-EmulatorStat that could have changed the cluster (dry runs included).
        $byVerb = (Invoke-EmulatorAdmin 'stats').requestsByVerb
        ($byVerb.PSObject.Properties | Where-Object Name -in 'create', 'update', 'patch', 'delete', 'deletecollection' |
            Measure-Object -Property Value -Sum).Sum ?? 0
    }

    function Reset-EmulatorStat { Invoke-EmulatorAdmin 'stats/reset' -Method Post | Out-Null }

    function Get-ClusterObject {
        param([string] $Namespace)
        kubectl --kubeconfig $Kc get 'jobs,pods,serviceaccounts,roles,rolebindings' -n $Namespace -o name |
            Where-Object { $_ -ne 'serviceaccount/default' } | Sort-Object
    }

    function Assert-E2eError {
        # One ErrorRecord with this id, category and target, and a recommended action.
        param($Errors, [string] $Id, [string] $Category, $Target)
        @($Errors) | Should -HaveCount 1
        $Errors[0].FullyQualifiedErrorId | Should -BeLike "$Id,E2ePs.Cmdlets.*"
        $Errors[0].CategoryInfo.Category | Should -Be $Category
        if ($PSBoundParameters.ContainsKey('Target')) { $Errors[0].TargetObject | Should -Be $Target }
        $Errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    $script:Ns = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Ns } } |
        kubectl --kubeconfig $Kc create -f - | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "kubectl could not create namespace $Ns" }

    $script:Repo = New-TestGitRepository
    foreach ($name in 'fx01', 'fx02', 'fx03', 'fx04', 'pass') {
        New-E2eJob -Name $name -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-pass:1 -Path $Repo | Out-Null
    }

    function New-EditedJob {
        # A scaffolded job whose manifest text is then changed by -Edit; returns the manifest path.
        param([string] $Name, [scriptblock] $Edit)
        New-E2eJob -Name $Name -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-pass:1 -Path $Repo | Out-Null
        $path = Join-Path $Repo "deploy/k8s/99-test-$Name-e2e.yaml"
        $text = Get-Content -Raw -LiteralPath $path
        $edited = & $Edit $text
        $edited | Should -Not -Be $text
        Set-Content -LiteralPath $path -Value $edited -NoNewline
        $path
    }
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-E2eJob -Name follows PowerShell wildcards, as Get-Process does' {
    It "'fx0[1-3]' matches fx01, fx02 and fx03, exactly what -like matches" {
        $names = (Get-E2eJob -Path $Repo -Name 'fx0[1-3]').Name

        $names | Should -Be @('fx01', 'fx02', 'fx03')
        $names | Should -Be @((Get-E2eJob -Path $Repo).Name | Where-Object { $_ -like 'fx0[1-3]' })
    }

    It 'a pattern that matches nothing returns nothing and no error, like Get-Process' {
        $out = Get-E2eJob -Path $Repo -Name 'fx0[7-9]', 'zz*' -ErrorVariable failure -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        $failure | Should -BeNullOrEmpty
    }

    It 'a name without wildcards that matches nothing is a non-terminating ObjectNotFound, like Get-Process' {
        $out = Get-E2eJob -Path $Repo -Name fx09, fx01 -ErrorVariable failure -ErrorAction SilentlyContinue

        $out.Name | Should -Be 'fx01'
        Assert-E2eError $failure -Id JobNotFound -Category ObjectNotFound -Target fx09
    }

    It 'a name no job can have is InvalidJobName, not JobNotFound' {
        Get-E2eJob -Path $Repo -Name 'Bad_Name' -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $failure -Id InvalidJobName -Category InvalidArgument -Target 'Bad_Name'
    }

    It 'a malformed pattern stops the command, like Get-Process' {
        { Get-E2eJob -Path $Repo -Name 'fx0[1-3' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidWildcardPattern,E2ePs.Cmdlets.GetE2eJobCommand'
    }
}

Describe 'A manifest edited by hand' {
    It 'with invalid YAML is one error that names the file, the line and the parser message' {
        $path = New-EditedJob -Name badyaml -Edit { param($t) $t -replace '(?m)^apiVersion: v1$', 'apiVersion: [v1' }

        $out = Get-E2eJob -Path $Repo -Name badyaml -ErrorVariable failure -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        Assert-E2eError $failure -Id InvalidManifest -Category InvalidData -Target $path
        $failure[0].Exception.Message | Should -Match ([regex]::Escape($path) + '.*\(line \d+, column \d+\): \S')
        $failure[0].Exception.Message | Should -Not -BeLike '*Operation is not valid*'
    }

    It 'whose Job was renamed is refused by Get-E2eJob and Start-E2eJob with both names, and nothing is created' {
        $path = New-EditedJob -Name renamed -Edit { param($t) $t -replace '(kind: Job\n(?:.*\n)*?  name: )test-renamed-e2e', '${1}test-wrongname-e2e' }
        Reset-EmulatorStat

        Get-E2eJob -Path $Repo -Name renamed -ErrorVariable getFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Start-E2eJob -Name renamed -Path $path -Kubeconfig $Kc -ErrorVariable startFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        foreach ($failure in $getFailure, $startFailure) {
            Assert-E2eError $failure -Id ManifestNameMismatch -Category InvalidData -Target $path
            $failure[0].Exception.Message | Should -BeLike "*'test-wrongname-e2e'*'test-renamed-e2e'*"
        }
        Get-ChangingRequestCount | Should -Be 0
        Get-ClusterObject $Ns | Should -BeNullOrEmpty
    }

    It '<Case> is refused by Get-E2eJob and Start-E2eJob as <Id>, and nothing is created' -ForEach @(
        @{ Case = 'without the test container'; Name = 'nocontainer'; Id = 'NoTestContainer'
            Edit = { param($t) $t -replace 'name: test-runner', 'name: runner' } }
        @{ Case = 'with completions: 0'; Name = 'nocompletion'; Id = 'InvalidJobSpec'
            Edit = { param($t) $t -replace '(?m)^  backoffLimit: 0$', "  backoffLimit: 0`n  completions: 0" } }
        @{ Case = 'with a ClusterRoleBinding to cluster-admin'; Name = 'clusteradmin'; Id = 'UnmanagedManifestDocument'
            Edit = { param($t) $t + "---`napiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRoleBinding`nmetadata:`n  name: everything`nroleRef:`n  apiGroup: rbac.authorization.k8s.io`n  kind: ClusterRole`n  name: cluster-admin`nsubjects:`n- kind: ServiceAccount`n  name: test-clusteradmin-e2e`n  namespace: default`n" } }
        @{ Case = 'whose RoleBinding grants cluster-admin'; Name = 'rolebinding'; Id = 'ManifestRoleBindingInvalid'
            Edit = { param($t) $t -replace 'roleRef:\n  kind: Role\n  apiGroup: rbac.authorization.k8s.io\n  name: test-rolebinding-e2e', "roleRef:`n  kind: ClusterRole`n  apiGroup: rbac.authorization.k8s.io`n  name: cluster-admin" } }
        @{ Case = 'with its ServiceAccount in another namespace'; Name = 'otherns'; Id = 'ManifestNamespaceMismatch'
            Edit = { param($t) ([regex]'namespace: \S+').Replace($t, 'namespace: kube-system', 1) } }
    ) {
        $path = New-EditedJob -Name $Name -Edit $Edit
        Reset-EmulatorStat

        Get-E2eJob -Path $Repo -Name $Name -ErrorVariable getFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Start-E2eJob -Name $Name -Path $path -Kubeconfig $Kc -ErrorVariable startFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $getFailure -Id $Id -Category InvalidData -Target $path
        Assert-E2eError $startFailure -Id $Id -Category InvalidData -Target $path
        Get-ChangingRequestCount | Should -Be 0
        Get-ClusterObject $Ns | Should -BeNullOrEmpty
        kubectl --kubeconfig $Kc get clusterrolebindings -o name | Should -Not -Contain 'clusterrolebinding.rbac.authorization.k8s.io/everything'
    }

    AfterEach {
        Get-ChildItem (Join-Path $Repo 'deploy/k8s') -Filter '99-test-*-e2e.yaml' |
            Where-Object Name -NotMatch '^99-test-(fx0\d|pass)-e2e\.yaml$' | Remove-Item
    }
}

Describe 'The same value gets the same answer from every cmdlet' {
    It '-Branch <Branch> is <Id> from New-E2eJob and Start-E2eJob, and nothing is started' -ForEach @(
        @{ Branch = 'a..b'; Id = 'InvalidBranch' }
        @{ Branch = 'a b'; Id = 'InvalidBranch' }
    ) {
        Reset-EmulatorStat
        New-E2eJob -Name newbranch -TestPath t.py -Branch $Branch -Path $Repo -ErrorVariable newFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { Get-E2eJob -Path $Repo -Name pass | Start-E2eJob -Kubeconfig $Kc -Branch $Branch -ErrorAction Stop } | Should -Throw -ErrorId "$Id,E2ePs.Cmdlets.StartE2eJobCommand"
        { Invoke-E2eTest -Name pass -Path $Repo -Kubeconfig $Kc -Branch $Branch -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "$Id,E2ePs.Cmdlets.InvokeE2eTestCommand"

        Assert-E2eError $newFailure -Id $Id -Category InvalidArgument -Target $Branch
        Join-Path $Repo 'deploy/k8s/99-test-newbranch-e2e.yaml' | Should -Not -Exist
        Get-RequestCount | Should -Be 0
    }

    It "-Env @{ <Variable> = 'x' } is InvalidEnvName from New-E2eJob and Start-E2eJob, and nothing is started" -ForEach @(
        @{ Variable = 'E2EPS_TEST_PATH' }
        @{ Variable = '1BAD' }
    ) {
        Reset-EmulatorStat
        New-E2eJob -Name newenv -TestPath t.py -Env @{ $Variable = 'x' } -Path $Repo -ErrorVariable newFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { Get-E2eJob -Path $Repo -Name pass | Start-E2eJob -Kubeconfig $Kc -Env @{ $Variable = 'x' } -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidEnvName,E2ePs.Cmdlets.StartE2eJobCommand'

        Assert-E2eError $newFailure -Id InvalidEnvName -Category InvalidArgument -Target $Variable
        Get-RequestCount | Should -Be 0
    }

    It '<Command> UPPER is InvalidJobName, not JobNotFound, and asks the cluster nothing' -ForEach @(
        @{ Command = 'Remove-E2eJob' }
        @{ Command = 'Get-E2eLog' }
        @{ Command = 'Get-E2eResult' }
        @{ Command = 'Get-E2eDiagnostic' }
        @{ Command = 'Start-E2eJob' }
    ) {
        Reset-EmulatorStat
        $arguments = @{ Name = 'UPPER'; Kubeconfig = $Kc }
        if ($Command -eq 'Start-E2eJob') { $arguments.Path = $Repo }
        if ($Command -in 'Start-E2eJob', 'Remove-E2eJob') { $arguments.Confirm = $false }

        & $Command @arguments -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $failure -Id InvalidJobName -Category InvalidArgument -Target UPPER
        Get-RequestCount | Should -Be 0
    }

    It '<Command> -Name UPPER is the same InvalidJobName, and nothing is built or started' -ForEach @(
        @{ Command = 'Invoke-E2eTest'; Arguments = @{ Kubeconfig = $null; Confirm = $false } }
        @{ Command = 'Build-E2eImage'; Arguments = @{} }
    ) {
        Reset-EmulatorStat
        $arguments = @{ Name = 'UPPER'; Path = $Repo } + $Arguments
        if ($arguments.ContainsKey('Kubeconfig')) { $arguments.Kubeconfig = $Kc }

        & $Command @arguments -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $failure -Id InvalidJobName -Category InvalidArgument -Target UPPER
        Get-RequestCount | Should -Be 0
    }

    It '<Command> -Namespace Bad_NS is InvalidNamespace, not "not found", and asks the cluster nothing' -ForEach @(
        @{ Command = 'Remove-E2eJob' }
        @{ Command = 'Get-E2eLog' }
        @{ Command = 'Get-E2eResult' }
        @{ Command = 'Get-E2eDiagnostic' }
        @{ Command = 'Start-E2eJob' }
    ) {
        Reset-EmulatorStat
        $arguments = @{ Name = 'pass'; Kubeconfig = $Kc; Namespace = 'Bad_NS' }
        if ($Command -eq 'Start-E2eJob') { $arguments.Path = $Repo }
        if ($Command -in 'Start-E2eJob', 'Remove-E2eJob') { $arguments.Confirm = $false }

        & $Command @arguments -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $failure -Id InvalidNamespace -Category InvalidArgument -Target Bad_NS
        Get-RequestCount | Should -Be 0
    }

    It 'New-E2eJob -Namespace Bad_NS is the same InvalidNamespace' {
        New-E2eJob -Name newns -TestPath t.py -Namespace Bad_NS -Path $Repo -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $failure -Id InvalidNamespace -Category InvalidArgument -Target Bad_NS
    }

    It 'New-E2eJob <Parameter> <Value> is <Id> and writes nothing' -ForEach @(
        @{ Parameter = '-Cpu'; Value = @('4', '1'); Id = 'ResourceRequestAboveLimit' }
        @{ Parameter = '-Memory'; Value = @('4Gi', '1Gi'); Id = 'ResourceRequestAboveLimit' }
        @{ Parameter = '-Memory'; Value = @('99999999999999999999999Ei'); Id = 'InvalidResources' }
        @{ Parameter = '-Memory'; Value = @('8Ei'); Id = 'InvalidResources' }
    ) {
        $arguments = @{ Name = 'resources'; TestPath = 't.py'; Path = $Repo; $Parameter.TrimStart('-') = $Value }

        New-E2eJob @arguments -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        Assert-E2eError $failure -Id $Id -Category InvalidArgument
        Join-Path $Repo 'deploy/k8s/99-test-resources-e2e.yaml' | Should -Not -Exist
        Join-Path $Repo 'jobs/test-resources-e2e' | Should -Not -Exist
    }

    It 'New-E2eJob -Memory 7Ei (below 2^63) and -Cpu 1,4 are accepted and written as given' {
        $job = New-E2eJob -Name bigmemory -TestPath t.py -Path $Repo -Memory 7Ei -Cpu 1, 4

        $job | Should -Not -BeNullOrEmpty
        $manifest = Get-Content -Raw (Join-Path $Repo 'deploy/k8s/99-test-bigmemory-e2e.yaml')
        $manifest | Should -Match 'memory: 7Ei'
        $manifest | Should -Match "cpu: ['`"]?4['`"]?\n"
    }
}
