#Requires -Version 7.4
# What the cmdlet layer does before the engine sees a value: tables (-Env, -SecretEnv) of any
# IDictionary turned into ordered name/value lists, the one way every cmdlet finds jobs (piped, a
# manifest file, names in a repository), and the container engine's parameter name. The cluster half
# runs against the Kubernetes API emulator (a process), read back through kubectl.

BeforeDiscovery {
    $script:noEmulator = -not (Get-Command kubectl -ErrorAction Ignore) -or
        -not (Test-Path "$PSScriptRoot/../E2ePs.KubeEmulator/Start-KubeEmulator.ps1")
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    $script:Repo = New-TestGitRepository

    function Get-ManifestEnvName([string] $ManifestPath) {
        # The names of the test container's env, in the order the manifest lists them.
        (Get-Content -LiteralPath $ManifestPath | Select-String '^\s*- name: (\S+)$').Matches | ForEach-Object { $_.Groups[1].Value }
    }
}

AfterAll {
    Remove-Item $Repo -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Tables of names and values' {
    It 'New-E2eJob keeps the order of an ordered dictionary and sorts a hashtable' {
        $ordered = New-E2eJob -Name ordered-env -TestPath t.py -Path $Repo -Env ([ordered]@{ ZULU = 'z'; ALPHA = 'a'; MIKE = 'm' })
        $hashed = New-E2eJob -Name hashed-env -TestPath t.py -Path $Repo -Env @{ ZULU = 'z'; ALPHA = 'a'; MIKE = 'm' }

        $names = Get-ManifestEnvName $ordered.ManifestPath
        @($names | Where-Object { $_ -in 'ZULU', 'ALPHA', 'MIKE' }) | Should -Be @('ZULU', 'ALPHA', 'MIKE')
        $names = Get-ManifestEnvName $hashed.ManifestPath
        @($names | Where-Object { $_ -in 'ZULU', 'ALPHA', 'MIKE' }) | Should -Be @('ALPHA', 'MIKE', 'ZULU')
        $ordered.Env['ZULU'] | Should -Be 'z'
    }

    It 'converts values to text with the invariant culture, whatever the current one' {
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            $job = New-E2eJob -Name culture-env -TestPath t.py -Path $Repo -Env @{ RATIO = 1.5; COUNT = 3 }
        }
        finally { [cultureinfo]::CurrentCulture = $culture }

        $job.Env['RATIO'] | Should -Be '1.5'
        $job.Env['COUNT'] | Should -Be '3'
    }

    It 'refuses a name that cannot be an environment variable, with its id, before writing anything' {
        New-E2eJob -Name bad-env -TestPath t.py -Path $Repo -Env ([ordered]@{ 'NOT OK' = 'x' }) -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $failure[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEnvName,*'
        Join-Path $Repo 'deploy/k8s/99-test-bad-env-e2e.yaml' | Should -Not -Exist
    }
}

Describe 'Finding jobs' {
    BeforeAll {
        $script:Manifest = (New-E2eJob -Name found -TestPath t.py -Path $Repo).ManifestPath
    }

    It 'Get-E2eJob -Path takes a manifest file as Start-E2eJob does' {
        $job = Get-E2eJob -Path $Manifest

        $job.JobName | Should -Be 'test-found-e2e'
        $job.ManifestPath | Should -Be $Manifest
    }

    It 'Build-E2eImage -Path takes a manifest file too' {
        $run = Invoke-FreshPwsh "Import-Module '$Root/E2ePs.psd1'; Build-E2eImage -Path '$Manifest' -ContainerEngine buildah -WhatIf"

        ($run.Output -join "`n") | Should -Match 'test-found-e2e'
    }

    It '<Command> reports a repository folder that does not exist as RepositoryNotFound' -ForEach @(
        @{ Command = 'Get-E2eJob'; Extra = @{} }
        @{ Command = 'Build-E2eImage'; Extra = @{ WhatIf = $true } }
        @{ Command = 'Start-E2eJob'; Extra = @{ WhatIf = $true } }
    ) {
        $missing = Join-Path $Repo 'no-such-folder'

        & $Command -Name found -Path $missing @Extra -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $failure[0].FullyQualifiedErrorId | Should -BeLike 'RepositoryNotFound,*'
        $failure[0].TargetObject | Should -Be $missing
    }
}

Describe 'Build-E2eImage -ContainerEngine' {
    It 'names the container engine -ContainerEngine and still binds -Engine' {
        $parameter = (Get-Command Build-E2eImage).Parameters['ContainerEngine']

        $parameter | Should -Not -BeNullOrEmpty
        $parameter.Aliases | Should -Contain 'Engine'
        ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues | Should -Be @('podman', 'docker', 'buildah')
        { Build-E2eImage -Path $Repo -Engine cobol -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,E2ePs.Cmdlets.BuildE2eImageCommand'
    }
}

Describe 'Start-E2eJob -Env on a cluster' -Skip:$noEmulator {
    BeforeAll {
        . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')
        $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
        $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -EmulatorDll $emulatorDll
        $script:Kc = $Emulator.KubeconfigPath
        New-E2eJob -Name started-env -TestPath t.py -Path $Repo -Namespace default -Env @{ KEPT = 'from-manifest' } | Out-Null
    }

    AfterAll {
        if ($Emulator) { Stop-KubeEmulator $Emulator }
    }

    It 'adds new variables in the order of an ordered dictionary and overrides the manifest''s' {
        $run = Get-E2eJob -Path $Repo -Name started-env | Start-E2eJob -Kubeconfig $Kc -Env ([ordered]@{ ZULU = 'z'; KEPT = 'overridden'; ALPHA = 'a' })

        $job = kubectl --kubeconfig $Kc get job $run.JobName -n default -o json | ConvertFrom-Json
        $env = ($job.spec.template.spec.containers | Where-Object name -eq 'test-runner').env
        @($env.name | Where-Object { $_ -in 'ZULU', 'ALPHA' }) | Should -Be @('ZULU', 'ALPHA')
        ($env | Where-Object name -eq 'KEPT').value | Should -Be 'overridden'
    }
}
