#Requires -Version 7.4
# Issue 17 item 1: an E2eImage built without -Push, piped into Start-E2eJob or Invoke-E2eTest. With
# the real tools (podman or buildah on private vfs storage, docker-registry on 127.0.0.1) and the
# Kubernetes API emulator: the registry's image of the tag is compared with the image built.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    # Skipped on a developer's machine without the tools; in CI (CI=true) a missing tool fails instead.
    $script:missingTools = Get-ToolSkip 'podman|buildah', 'docker-registry', 'busybox'
}

# Tier Full: real image builds and a real registry.
Describe 'An image built but not pushed' -Tag 'Full' -Skip:$missingTools {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $script:Root = Get-E2ePsRepositoryRoot
        Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
        Import-Module (Join-Path $Root 'tests/support/ContainerTestSupport.psm1') -Force
        . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

        $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-unpushed-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Work | Out-Null
        $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
        $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
        $script:Kc = $Emulator.KubeconfigPath

        $script:Registry = Start-TestRegistry
        $script:Storage = New-TestContainerStorage
        $base = "$($Registry.Address)/base:1"
        New-TestBaseImage -Storage $Storage -Reference $base
        $script:SavedEnv = @{ E2EPS_ENGINE_ARGS = $env:E2EPS_ENGINE_ARGS; E2EPS_BUILD_ARGS = $env:E2EPS_BUILD_ARGS }
        $env:E2EPS_ENGINE_ARGS = $Storage.GlobalArguments -join ' '
        $env:E2EPS_BUILD_ARGS = $Storage.BuildArguments -join ' '

        $script:Ns = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Ns } } | kubectl --kubeconfig $Kc create -f - | Out-Null
        $script:Repo = New-TestGitRepository
        $script:Job = New-E2eJob -Name shop -TestPath tests/e2e/test_shop.py -Namespace $Ns -Registry $Registry.Address -Memory 64Mi -Cpu 100m -Path $Repo
        $script:Dockerfile = $Job.DockerfilePath
        Set-Content -LiteralPath $Dockerfile -Value "FROM $base`nRUN echo one > /version`n"

        function Get-TestJob { @(kubectl --kubeconfig $Kc get jobs -n $Ns -o name) }
        function Remove-TestJob { kubectl --kubeconfig $Kc delete jobs --all -n $Ns --wait=false 2>&1 | Out-Null }

        # Built and pushed once: the registry's tag holds this image.
        $script:Pushed = Get-E2eJob -Path $Repo -Name shop | Build-E2eImage -Push -SkipTlsVerify
    }

    AfterAll {
        foreach ($name in $SavedEnv.Keys) { Set-Item "env:$name" -Value $SavedEnv[$name] }
        if ($Emulator) { Stop-KubeEmulator $Emulator }
        if ($Registry) { Stop-TestRegistry $Registry }
        if ($Storage) { Remove-TestContainerStorage $Storage }
        Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    BeforeEach { Remove-TestJob }

    It 'is started with a warning, by the registry digest, when the registry holds the very image built' {
        $image = Get-E2eJob -Path $Repo -Name shop | Build-E2eImage -SkipTlsVerify
        $image.Pushed | Should -BeFalse
        $image.ImageId | Should -Be $Pushed.ImageId
        $run = $image | Start-E2eJob -Kubeconfig $Kc -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -BeNullOrEmpty
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'ImageNotPushed: .*built but not pushed.*same image'
        "$($warnings[0])" | Should -Match '-Push'
        $run.JobName | Should -BeLike 'test-shop-e2e-*'
        $run.Image | Should -Be $Pushed.Reference
        kubectl --kubeconfig $Kc get job $run.JobName -n $Ns -o 'jsonpath={.spec.template.spec.containers[0].image}' | Should -Be $Pushed.Reference
    }

    It 'is ImageNotPushed, and nothing is started, once the content differs from the registry''s' {
        Set-Content -LiteralPath $Dockerfile -Value "FROM $($Registry.Address)/base:1`nRUN echo two > /version`n"
        try {
            $image = Get-E2eJob -Path $Repo -Name shop | Build-E2eImage -SkipTlsVerify
            $image.ImageId | Should -Not -Be $Pushed.ImageId
            $runs = @($image | Start-E2eJob -Kubeconfig $Kc -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable problems -ErrorAction SilentlyContinue)
            $runs | Should -BeNullOrEmpty
            $warnings | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotPushed,*'
            $problems[0].Exception.Message | Should -Match 'another image for that tag'
            $problems[0].ErrorDetails.RecommendedAction | Should -Match 'Build-E2eImage -Push'
            Get-TestJob | Should -BeNullOrEmpty

            $invoked = @($image | Invoke-E2eTest -Kubeconfig $Kc -CiSystem None -ErrorVariable invokeProblems -ErrorAction SilentlyContinue)
            $invoked | Should -BeNullOrEmpty
            @($invokeProblems.FullyQualifiedErrorId) -like 'ImageNotPushed,*' | Should -Not -BeNullOrEmpty
            Get-TestJob | Should -BeNullOrEmpty
        }
        finally {
            Set-Content -LiteralPath $Dockerfile -Value "FROM $($Registry.Address)/base:1`nRUN echo one > /version`n"
        }
    }

    It 'is ImageNotPushed when the registry has no such tag' {
        $image = Get-E2eJob -Path $Repo -Name shop | Build-E2eImage -Tag never-pushed -SkipTlsVerify
        $runs = @($image | Start-E2eJob -Kubeconfig $Kc -ErrorVariable problems -ErrorAction SilentlyContinue)
        $runs | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotPushed,*'
        $problems[0].Exception.Message | Should -Match 'has no .*never-pushed'
        Get-TestJob | Should -BeNullOrEmpty
    }

    It 'asks a registry that needs credentials with those of the engines'' auth file' {
        # htpasswd of user e2e, password e2eps-pass (bcrypt, cost 4).
        $private = Start-TestRegistry -Htpasswd 'e2e:$2b$04$M9TQBBAZrFSaEjTd.2mH6uULaYAAIHeCPd2RzW1TvV2rAorYmLL8W'
        $savedAuth = $env:REGISTRY_AUTH_FILE
        $authFile = Join-Path $Work 'auth.json'
        $noAuthFile = Join-Path $Work 'no-auth.json'
        try {
            @{ auths = @{ $private.Address = @{ auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('e2e:e2eps-pass')) } } } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $authFile
            '{"auths":{}}' | Set-Content -LiteralPath $noAuthFile
            $repo = New-TestGitRepository
            $job = New-E2eJob -Name vault -TestPath t.py -Namespace $Ns -Registry $private.Address -Memory 64Mi -Cpu 100m -Path $repo
            Set-Content -LiteralPath $job.DockerfilePath -Value "FROM $($Registry.Address)/base:1`nRUN echo vault > /version`n"
            # podman and buildah push with the same file (REGISTRY_AUTH_FILE).
            $env:REGISTRY_AUTH_FILE = $authFile
            $pushed = Get-E2eJob -Path $repo -Name vault | Build-E2eImage -Push -SkipTlsVerify
            $image = Get-E2eJob -Path $repo -Name vault | Build-E2eImage -SkipTlsVerify
            $run = $image | Start-E2eJob -Kubeconfig $Kc -WarningVariable warnings -WarningAction SilentlyContinue
            "$($warnings[0])" | Should -Match 'same image'
            $run.Image | Should -Be $pushed.Reference

            Remove-TestJob
            $env:REGISTRY_AUTH_FILE = $noAuthFile
            $runs = @($image | Start-E2eJob -Kubeconfig $Kc -ErrorVariable problems -ErrorAction SilentlyContinue)
            $runs | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotPushed,*'
            $problems[0].Exception.Message | Should -Match 'answered 401'
            Get-TestJob | Should -BeNullOrEmpty
        }
        finally {
            $env:REGISTRY_AUTH_FILE = $savedAuth
            Stop-TestRegistry $private
            if ($repo) { Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue }
        }
    }
}
