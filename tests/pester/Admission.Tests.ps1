#Requires -Version 7.4
# Start-E2eJob and Wait-E2eJob in a namespace whose Pod Security admission enforces "restricted", against the
# Kubernetes API emulator run as a process (it enforces from the namespace labels as the API server does): the
# API server's Warning headers become PowerShell warnings, and a run whose pods are refused fails fast with the
# admission's own message (docs/architecture.md, "Refused pods").

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-admission-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @('Cloned commit 1a2b3c4') }
        @{ image = 'localhost:5000/e2eps-pester-psa:*'; lines = @('1 passed in 0.10s') }
    ) | Set-Content -LiteralPath $scenarios
    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath

    # The namespace is made and labelled with kubectl, as a cluster administrator would.
    $script:Ns = 'psa-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    kubectl --kubeconfig $Kc create namespace $Ns | Out-Null
    kubectl --kubeconfig $Kc label namespace $Ns pod-security.kubernetes.io/enforce=restricted | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "kubectl could not label namespace $Ns" }

    $script:Repo = New-TestGitRepository
    New-E2eJob -Name fine -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-psa:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    $broken = New-E2eJob -Name broken -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-pester-psa:1 -Memory 64Mi -Cpu 100m -Path $Repo
    # Edited by hand after scaffolding, as a user might: no longer the restricted profile.
    (Get-Content -Raw -LiteralPath $broken.ManifestPath).Replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true') |
        Set-Content -LiteralPath $broken.ManifestPath -NoNewline
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Pod Security admission' {
    It 'a generated job starts without a warning and succeeds where restricted is enforced' {
        $run = Get-E2eJob -Path $Repo -Name fine | Start-E2eJob -Kubeconfig $Kc -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 0
        $done = $run | Wait-E2eJob -Timeout 120
        $done.Status | Should -Be Succeeded
    }

    It 'Start-E2eJob shows the API server''s warning once, and Wait-E2eJob fails fast with the admission''s message' {
        $run = Get-E2eJob -Path $Repo -Name broken | Start-E2eJob -Kubeconfig $Kc -WarningVariable warnings -WarningAction SilentlyContinue
        $run | Should -HaveCount 1
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike "broken (namespace $Ns): the API server warns: would violate PodSecurity ""restricted:latest"": allowPrivilegeEscalation != false (containers ""clone-repo"", ""test-runner"" must set securityContext.allowPrivilegeEscalation=false)"

        # Well within the timeout: the first refused pod create decides. The run is written, and an error for it.
        $done = $run | Wait-E2eJob -Timeout 120 -ErrorAction SilentlyContinue -ErrorVariable waitErrors
        $waitErrors | Should -HaveCount 1
        "$($waitErrors[0])" | Should -BeLike '*PodSecurityForbidden*violates PodSecurity "restricted:latest"*'
        $done.Status | Should -Be Failed
        $done.Reason | Should -Be PodSecurityForbidden
        $done.Message | Should -BeLike '*is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false*'
        $done.FailureKind | Should -Be Configuration
        $done.PodNames | Should -HaveCount 0
    }
}
