#Requires -Version 7.4
# The surface of Build-E2eImage with the real tools: podman or buildah on private vfs storage, and a
# docker-registry on 127.0.0.1. Run ./build.ps1 first; the module is imported from the repository root.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    # Skipped on a developer's machine without the tools; in CI (CI=true) a missing tool fails instead.
    $script:missingTools = Get-ToolSkip 'podman|buildah', 'docker-registry', 'busybox'
}

# Tier Full: real image builds on vfs storage take minutes on a 2-core machine.
Describe 'Build-E2eImage' -Tag 'Full' -Skip:$missingTools {
    BeforeAll {
        Import-Module "$PSScriptRoot/../../E2ePs.psd1" -Force
        Import-Module "$PSScriptRoot/../support/ContainerTestSupport.psm1" -Force

        $script:registry = Start-TestRegistry
        $script:storage = New-TestContainerStorage
        $script:base = "$($registry.Address)/base:1"
        New-TestBaseImage -Storage $storage -Reference $base
        # The storage folders have no spaces, so the options survive the split at white space.
        $script:savedEnv = @{ E2EPS_ENGINE_ARGS = $env:E2EPS_ENGINE_ARGS; E2EPS_BUILD_ARGS = $env:E2EPS_BUILD_ARGS; E2EPS_BUILD_ENGINE = $env:E2EPS_BUILD_ENGINE }
        $env:E2EPS_ENGINE_ARGS = $storage.GlobalArguments -join ' '
        $env:E2EPS_BUILD_ARGS = $storage.BuildArguments -join ' '
        $env:E2EPS_BUILD_ENGINE = $null
        $script:engine = @('podman', 'docker', 'buildah') | Where-Object { Get-Command $_ -ErrorAction Ignore } | Select-Object -First 1

        $script:repo = Join-Path ([IO.Path]::GetTempPath()) "build-e2eimage-$([guid]::NewGuid().ToString('n'))"
        New-Item -ItemType Directory -Path $repo | Out-Null
        git -C $repo init --quiet
        git -C $repo remote add origin https://example.invalid/r.git

        function New-TestJob([string] $Name, [string] $Dockerfile) {
            $job = New-E2eJob -Name $Name -TestPath t.py -Path $repo -Repository https://example.invalid/r.git -Branch main -Registry $registry.Address
            Set-Content -LiteralPath $job.DockerfilePath -Value $Dockerfile.Replace('{{BASE}}', $base)
            $job
        }
        $script:helloJob = New-TestJob hello "FROM {{BASE}}`nCOPY jobs/test-hello-e2e/run_test.py /app/run_test.py`nCMD [`"/bin/sh`"]`n"
        $script:brokenJob = New-TestJob broken "FROM {{BASE}}`nRUN echo going-to-fail && false`n"
        $script:nodockJob = New-TestJob nodock "FROM {{BASE}}`n"
        Remove-Item -LiteralPath $nodockJob.DockerfilePath

        function Test-LocalImage([string] $Reference) {
            if ($engine -eq 'podman') { & podman @($storage.GlobalArguments) image exists $Reference 2>$null }
            else { & buildah @($storage.GlobalArguments) inspect --type image $Reference *>$null }
            $LASTEXITCODE -eq 0
        }
    }

    AfterAll {
        foreach ($name in $savedEnv.Keys) { Set-Item "env:$name" -Value $savedEnv[$name] }
        if ($registry) { Stop-TestRegistry $registry }
        if ($storage) { Remove-TestContainerStorage $storage }
        if ($repo) { Remove-Item -LiteralPath $repo -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'declares its output type, ShouldProcess and an approved verb' {
        $command = Get-Command Build-E2eImage
        $command.OutputType.Name | Should -Contain 'E2ePs.Models.E2eImage'
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Verb -Verb Build) | Should -Not -BeNullOrEmpty
        $command.Parameters.InputObject.Attributes.ValueFromPipeline | Should -Contain $true
    }

    It 'builds and pushes a job piped from Get-E2eJob, and returns it by the digest the registry serves' {
        $image = Get-E2eJob -Path $repo -Name hello | Build-E2eImage -Push -SkipTlsVerify -ContentTag -InformationVariable log

        $image | Should -HaveCount 1
        $image.GetType().FullName | Should -Be 'E2ePs.Models.E2eImage'
        $image.Name | Should -Be 'hello'
        $image.JobName | Should -Be 'test-hello-e2e'
        $image.Namespace | Should -Be $helloJob.Namespace
        $image.Engine | Should -Be $engine
        $image.Pushed | Should -BeTrue
        $image.ContentTag | Should -Match '^content-[0-9a-f]{16}$'
        $image.Reference | Should -Be "$($registry.Address)/test-hello-e2e@$($image.Digest)"
        $image.Image | Should -Be $image.Reference

        $tags = Get-TestRegistryTag $registry 'test-hello-e2e'
        $tags | Should -Contain 'latest'
        $tags | Should -Contain $image.ContentTag
        $served = Invoke-WebRequest -Method Head "http://$($registry.Address)/v2/test-hello-e2e/manifests/latest" `
            -Headers @{ Accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' }
        $served.Headers['Docker-Content-Digest'] | Should -Be $image.Digest

        # The engine's output went to the Information stream as it came.
        ($log | ForEach-Object MessageData) -match '^STEP \d+/\d+' | Should -Not -BeNullOrEmpty
        ($image | Format-Table | Out-String) | Should -Match 'Reference'
    }

    It 'builds by -Name and -Path and tags locally without pushing' {
        $image = Build-E2eImage -Name hello -Path $repo -Tag local1

        $image.Pushed | Should -BeFalse
        $image.Digest | Should -BeNullOrEmpty
        $image.Reference | Should -Be "$($registry.Address)/test-hello-e2e:local1"
        Test-LocalImage $image.Reference | Should -BeTrue
        Get-TestRegistryTag $registry 'test-hello-e2e' | Should -Not -Contain 'local1'
    }

    It '-WhatIf builds, tags and pushes nothing' {
        $output = $helloJob | Build-E2eImage -Tag whatif -Push -SkipTlsVerify -WhatIf

        $output | Should -BeNullOrEmpty
        Test-LocalImage "$($registry.Address)/test-hello-e2e:whatif" | Should -BeFalse
        Get-TestRegistryTag $registry 'test-hello-e2e' | Should -Not -Contain 'whatif'
    }

    It 'reports a failed build with its exit code and output, pushes nothing, and goes on with the next job' {
        $images = $brokenJob, $helloJob | Build-E2eImage -Tag after-failure -Push -SkipTlsVerify -ErrorVariable failures -ErrorAction SilentlyContinue

        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ImageBuildFailed,E2ePs.Cmdlets.BuildE2eImageCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $failures[0].TargetObject.Name | Should -Be 'broken'
        $failures[0].Exception.Message | Should -Match 'exit code'
        $failures[0].Exception.Message | Should -Match 'going-to-fail'
        Get-TestRegistryTag $registry 'test-broken-e2e' | Should -BeNullOrEmpty
        $images.Name | Should -Be 'hello'
    }

    It 'builds several jobs at once with -ThrottleLimit and writes each image' {
        $second = New-TestJob second "FROM {{BASE}}`nRUN echo second > /second.txt`n"
        $images = $helloJob, $second | Build-E2eImage -Tag parallel -ThrottleLimit 2

        ($images.Name | Sort-Object) | Should -Be @('hello', 'second')
        foreach ($image in $images) { Test-LocalImage $image.Reference | Should -BeTrue }
    }

    It 'reports a missing Dockerfile as ObjectNotFound with the path as target' {
        $nodockJob | Build-E2eImage -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $failures[0].FullyQualifiedErrorId | Should -Be 'DockerfileNotFound,E2ePs.Cmdlets.BuildE2eImageCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be $nodockJob.DockerfilePath
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'New-E2eJob'
    }

    It 'stops with NotInstalled when no engine is on PATH, naming those it looked for' {
        $savedPath = $env:PATH
        try {
            $env:PATH = Join-Path $repo 'no-such-bin'
            $record = $null
            try { $helloJob | Build-E2eImage -ErrorAction Stop } catch { $record = $_ }
        }
        finally {
            $env:PATH = $savedPath
        }

        $record.FullyQualifiedErrorId | Should -Be 'ContainerEngineNotFound,E2ePs.Cmdlets.BuildE2eImageCommand'
        $record.CategoryInfo.Category | Should -Be 'NotInstalled'
        $record.Exception.Message | Should -Match 'podman, docker, buildah'
        $record.ErrorDetails.RecommendedAction | Should -Match 'apt-get install podman'
    }

    It 'Stop during a RUN step leaves no process, no working container and no tag of the build (<_>)' -ForEach @(
        @('podman', 'buildah') | Where-Object { Get-Command $_ -ErrorAction Ignore }) {
        $builder = $_
        $marker = Get-Random -Minimum 1000 -Maximum 9999
        $job = New-TestJob "stop-$builder" "FROM {{BASE}}`nRUN sleep 3$marker & echo started-$marker; wait`n"
        function Get-WorkingContainer {
            if ($builder -eq 'podman') { & podman @($storage.GlobalArguments) ps --all --external --no-trunc --format '{{.ID}}' }
            else { & buildah @($storage.GlobalArguments) containers --quiet --notruncate }
        }
        function Get-MarkedProcess {
            # The RUN step's shell and its sleep: every command line that holds "sleep 3<marker>".
            Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | Where-Object {
                $line = try { [IO.File]::ReadAllText("$($_.FullName)/cmdline") } catch { '' }
                $state = try { [IO.File]::ReadAllText("$($_.FullName)/stat") } catch { '' }
                $line.Replace([char]0, ' ') -match "sleep 3$marker" -and $state -notmatch '\) Z '
            }
        }
        $before = @(Get-WorkingContainer)
        $shell = [powershell]::Create()
        $shell.AddScript("Import-Module '$PSScriptRoot/../../E2ePs.psd1'").AddStatement().AddScript(
            'param($Job, $Engine) $Job | Build-E2eImage -Engine $Engine -Tag stopped').AddParameter('Job', $job).AddParameter('Engine', $builder) | Out-Null
        $handle = $shell.BeginInvoke()
        # The RUN step has forked its sleep once it says so; the engine's lines reach the Information stream.
        foreach ($i in 1..1200) {
            if ($shell.Streams.Information.MessageData -contains "started-$marker" -or $handle.IsCompleted) { break }
            Start-Sleep -Milliseconds 100
        }
        $shell.Streams.Information.MessageData | Should -Contain "started-$marker"
        Get-MarkedProcess | Should -Not -BeNullOrEmpty

        $shell.Stop()

        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        Get-MarkedProcess | Should -BeNullOrEmpty
        @(Get-WorkingContainer) | Should -Be $before
        if ($builder -eq 'podman') { & podman @($storage.GlobalArguments) image exists "$($registry.Address)/test-stop-$builder-e2e:stopped" 2>$null }
        else { & buildah @($storage.GlobalArguments) inspect --type image "$($registry.Address)/test-stop-$builder-e2e:stopped" *>$null }
        $LASTEXITCODE | Should -Not -Be 0
        $shell.Dispose()
    }

    It 'reports an unknown job name as JobNotFound' {
        Build-E2eImage -Name missing -Path $repo -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -Be 'JobNotFound,E2ePs.Cmdlets.BuildE2eImageCommand'
    }
}
