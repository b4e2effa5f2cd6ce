#Requires -Version 7.4
# The module surface of New-E2eJob and Get-E2eJob.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Join-Path (Get-E2ePsRepositoryRoot) 'E2ePs.psd1') -Force
    $script:GuideTest = 'tests/e2e/orchestrator/test_orchestrator_with_tools_e2e.py::test_vllm-agent_with_smart_context'
}

Describe 'New-E2eJob' {
    BeforeEach {
        $script:repo = New-TestGitRepository -Origin 'git@github.com:underpass-ai/swe-ai-fleet.git' -Branch 'hexagonal-refactor-v2'
    }
    AfterEach {
        Remove-Item $script:repo -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'writes the Dockerfile, the runner and the manifest, and returns the job' {
        $job = New-E2eJob -Name vllm-agent-tools -TestPath $GuideTest -Namespace swe-ai-fleet -Path $repo

        $job | Should -BeOfType ([E2ePs.Models.E2eJob])
        $job.JobName | Should -Be 'test-vllm-agent-tools-e2e'
        $job.Repository | Should -Be 'https://github.com/underpass-ai/swe-ai-fleet.git'
        $job.Branch | Should -Be 'hexagonal-refactor-v2'
        Join-Path $repo 'jobs/test-vllm-agent-tools-e2e/Dockerfile' | Should -Exist
        Join-Path $repo 'jobs/test-vllm-agent-tools-e2e/run_test.py' | Should -Exist
        Join-Path $repo 'deploy/k8s/99-test-vllm-agent-tools-e2e.yaml' | Should -Exist
    }

    It 'resolves a relative -Path against the current location' {
        Push-Location $repo
        try {
            $job = New-E2eJob -Name relative -TestPath t.py -Path .
        }
        finally { Pop-Location }
        $job.Path | Should -Be ((Resolve-Path $repo).ProviderPath)
    }

    It 'writes nothing with -WhatIf' {
        $result = New-E2eJob -Name vllm-agent-tools -TestPath $GuideTest -Path $repo -WhatIf

        $result | Should -BeNullOrEmpty
        Join-Path $repo 'jobs' | Should -Not -Exist
        Join-Path $repo 'deploy' | Should -Not -Exist
    }

    It 'reports a bad name as <Id> with category <Category>' -ForEach @(
        @{ Name = 'Bad_Name'; Id = 'InvalidJobName'; Category = 'InvalidArgument' }
        @{ Name = ('x' * 60); Id = 'JobNameTooLong'; Category = 'InvalidArgument' }
    ) {
        New-E2eJob -Name $Name -TestPath t.py -Path $repo -ErrorVariable failure -ErrorAction SilentlyContinue

        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $failure[0].CategoryInfo.Category | Should -Be $Category
        $failure[0].TargetObject | Should -Be $Name
        $failure[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Join-Path $repo 'jobs' | Should -Not -Exist
    }

    It 'names every existing file and overwrites none without -Force' {
        New-E2eJob -Name api -TestPath t.py -Path $repo | Out-Null
        Set-Content (Join-Path $repo 'jobs/test-api-e2e/Dockerfile') 'FROM hand-edited'

        New-E2eJob -Name api -TestPath t.py -Path $repo -ErrorVariable failure -ErrorAction SilentlyContinue

        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobFilesExist,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        "$($failure[0])" | Should -Match 'Dockerfile.*run_test\.py.*99-test-api-e2e\.yaml'
        Get-Content (Join-Path $repo 'jobs/test-api-e2e/Dockerfile') | Should -Be 'FROM hand-edited'

        New-E2eJob -Name api -TestPath t.py -Path $repo -Force | Out-Null
        Get-Content (Join-Path $repo 'jobs/test-api-e2e/Dockerfile') -Raw | Should -Match 'ARG PYTHON_IMAGE=docker.io/library/python'
    }

    It 'rejects an unknown template and a -Path that is not a folder' {
        New-E2eJob -Name api -TestPath t.py -Path $repo -Template cobol -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'UnknownTemplate,*'

        $file = Join-Path $repo 'README'
        Set-Content $file 'x'
        New-E2eJob -Name api -TestPath t.py -Path $file -ErrorVariable notFolder -ErrorAction SilentlyContinue
        $notFolder[0].FullyQualifiedErrorId | Should -BeLike 'RepositoryNotFound,*'
    }

    It 'completes -Template with the shipped templates' {
        $completions = TabExpansion2 -inputScript 'New-E2eJob -Template p' -cursorColumn 'New-E2eJob -Template p'.Length
        $completions.CompletionMatches.CompletionText | Should -Be @('pester', 'pytest')
    }

    It 'stops the pipeline on -ErrorAction Stop' {
        { New-E2eJob -Name 'NO' -TestPath t.py -Path $repo -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidJobName,E2ePs.Cmdlets.NewE2eJobCommand'
    }

    It 'reads -SecretEnv from a Secret, and warns about a secret-named -Env value written in clear' {
        $job = New-E2eJob -Name secrets -TestPath t.py -Path $repo -Env @{ DB_PASSWORD = 'hunter2'; HOST = 'db' } `
            -SecretEnv @{ API_TOKEN = 'api-tokens/ci' } -WarningVariable warnings -WarningAction SilentlyContinue

        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike "*'DB_PASSWORD'*-SecretEnv*"
        $job.SecretEnv['API_TOKEN'] | Should -Be 'api-tokens/ci'
        $manifest = Get-Content -Raw $job.ManifestPath
        $manifest | Should -Match 'secretKeyRef:\s+key: ci\s+name: api-tokens'
        (Get-E2eJob secrets -Path $repo).SecretEnv['API_TOKEN'] | Should -Be 'api-tokens/ci'
    }

    It 'refuses a -SecretEnv reference that is not secret-name/key, and writes nothing' {
        New-E2eJob -Name secrets -TestPath t.py -Path $repo -SecretEnv @{ API_TOKEN = 'Not_A_Secret' } -ErrorVariable failure -ErrorAction SilentlyContinue

        $failure[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSecretReference,*'
        Join-Path $repo 'jobs' | Should -Not -Exist
    }

    It 'keeps an -Env value exactly, $(VAR), $$ and CR LF included, through Get-E2eJob' {
        $value = "a `$(HOST) `$`$ b`r`nc"
        New-E2eJob -Name values -TestPath t.py -Path $repo -Env ([ordered]@{ HOST = 'db'; V = $value }) | Out-Null

        (Get-E2eJob values -Path $repo).Env['V'] | Should -BeExactly $value
    }

    It 'warns and drops the token of a remote URL of any scheme' {
        $job = New-E2eJob -Name remote -TestPath t.py -Path $repo -Repository 'ftp://ci:Tok3nXyz@git.example.com/org/repo.git' -WarningVariable warnings -WarningAction SilentlyContinue

        $job.Repository | Should -Be 'ftp://git.example.com/org/repo.git'
        Get-Content -Raw $job.ManifestPath | Should -Not -Match 'Tok3nXyz'
        "$warnings" | Should -Not -Match 'Tok3nXyz'
        $warnings | Should -HaveCount 1
    }

    It 'names the file that could not be replaced with -Force and leaves every file as it was' {
        $job = New-E2eJob -Name folder -TestPath t.py -Path $repo
        $runner = $job.RunnerPath
        Remove-Item $runner
        New-Item -ItemType Directory $runner | Out-Null
        $before = Get-FileHash -Path $job.ManifestPath, $job.DockerfilePath

        New-E2eJob -Name folder -TestPath other.py -Path $repo -Force -ErrorVariable failure -ErrorAction SilentlyContinue

        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobFilesWriteFailed,*'
        $failure[0].TargetObject | Should -Be $runner
        (Get-FileHash -Path $job.ManifestPath, $job.DockerfilePath).Hash | Should -Be $before.Hash
        Get-ChildItem $repo -Recurse -Force -Filter '*.e2eps-*' | Should -BeNullOrEmpty
    }
}

Describe 'Get-E2eJob' {
    BeforeAll {
        $script:repo = New-TestGitRepository
        'alpha', 'beta', 'gamma' | ForEach-Object { New-E2eJob -Name $_ -TestPath "tests/test_$_.py" -Path $repo -Namespace e2e } | Out-Null
    }
    AfterAll {
        Remove-Item $script:repo -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'returns every job of the repository' {
        (Get-E2eJob -Path $repo).Name | Should -Be @('alpha', 'beta', 'gamma')
    }

    It 'filters with wildcards and completes -Name' {
        (Get-E2eJob -Path $repo -Name 'b*').Name | Should -Be 'beta'
        Push-Location $repo
        try {
            $completions = TabExpansion2 -inputScript 'Get-E2eJob g' -cursorColumn 'Get-E2eJob g'.Length
        }
        finally { Pop-Location }
        $completions.CompletionMatches.CompletionText | Should -Be 'gamma'
    }

    It 'binds by property name: a job piped in is read again from its repository' {
        $again = Get-E2eJob -Path $repo -Name alpha | Get-E2eJob
        $again.Name | Should -Be 'alpha'
        $again.Namespace | Should -Be 'e2e'
    }

    It 'reports an unknown name as JobNotFound' {
        Get-E2eJob -Path $repo -Name nope -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'reports a broken manifest with its file and line, and still returns the others' {
        $broken = Join-Path $repo 'deploy/k8s/99-test-beta-e2e.yaml'
        $saved = Get-Content $broken -Raw
        try {
            Set-Content $broken ($saved -replace 'kind: Role\n', "kind: Role`n  bad: [unclosed`n")
            $jobs = Get-E2eJob -Path $repo -ErrorVariable failure -ErrorAction SilentlyContinue

            $jobs.Name | Should -Be @('alpha', 'gamma')
            $failure | Should -HaveCount 1
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
            $failure[0].TargetObject | Should -Be $broken
            "$($failure[0])" | Should -Match 'line \d+'
        }
        finally {
            Set-Content $broken $saved -NoNewline
        }
    }
}

Describe 'Dependency isolation' {
    BeforeAll {
        $script:oldYaml = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages/yamldotnet/11.2.1/lib/netstandard2.1/YamlDotNet.dll'
        $script:manifest = Join-Path (Get-E2ePsRepositoryRoot) 'E2ePs.psd1'
        $script:repo = New-TestGitRepository
    }
    AfterAll {
        Remove-Item $script:repo -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'works when YamlDotNet 11.2.1 was loaded first' {
        $oldYaml | Should -Exist
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$oldYaml'
Import-Module '$manifest'
New-E2eJob -Name first -TestPath t.py -Path '$repo' | Out-Null
'jobs=' + (Get-E2eJob -Path '$repo' -Name first).JobName
'yaml=' + ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { `$_.GetName().Version.Major } | Sort-Object | Join-String -Separator ',')
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain 'jobs=test-first-e2e'
        # Both copies live side by side: the old one in the default context, ours in the private one.
        $result.Output | Should -Contain 'yaml=11,18'
    }

    It 'leaves the old YamlDotNet usable when E2ePs was imported first' {
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
New-E2eJob -Name second -TestPath t.py -Path '$repo' | Out-Null
Add-Type -Path '$oldYaml'
`$yaml = [YamlDotNet.Serialization.SerializerBuilder]::new().Build().Serialize(@{ answer = 42 })
'yaml=' + `$yaml.Trim()
'jobs=' + (Get-E2eJob -Path '$repo' -Name second).JobName
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain 'yaml=answer: 42'
        $result.Output | Should -Contain 'jobs=test-second-e2e'
    }
}
