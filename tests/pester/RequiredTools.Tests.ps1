#Requires -Version 7.4
# The rule for tests that need an installed tool (Get-ToolSkip in TestSupport.psm1, twin of
# tests/support/RequiredTools.cs): skipped on a developer's machine, a failure in CI (CI=true). Over a
# fake PATH made here, then end to end: a Pester test that needs kubectl, run in a child pwsh whose PATH
# has no kubectl, is skipped without CI and fails with CI=true.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:WithKubectl = Join-Path $TestDrive 'with-kubectl'
    $script:WithBuildah = Join-Path $TestDrive 'with-buildah'
    $script:Empty = Join-Path $TestDrive 'empty'
    New-Item -ItemType Directory -Path $WithKubectl, $WithBuildah, $Empty | Out-Null
    Set-Content -LiteralPath (Join-Path $WithKubectl 'kubectl') -Value '#!/bin/sh'
    Set-Content -LiteralPath (Join-Path $WithBuildah 'buildah') -Value '#!/bin/sh'
    $script:FakePath = $Empty, $WithKubectl, $WithBuildah -join [IO.Path]::PathSeparator
}

Describe 'Get-ToolSkip' {
    It '<Why>' -ForEach @(
        @{ Why = "runs the test on a developer's machine with the tool"; Ci = ''; Requirement = @('kubectl'); Skipped = $false }
        @{ Why = "skips it on a developer's machine without the tool"; Ci = ''; Requirement = @('skopeo'); Skipped = $true }
        @{ Why = 'runs it in CI without the tool, so that it fails'; Ci = 'true'; Requirement = @('skopeo'); Skipped = $false }
        @{ Why = 'takes CI=True (any case) and CI=1 as CI'; Ci = 'True'; Requirement = @('skopeo'); Skipped = $false }
        @{ Why = 'takes CI=1 as CI'; Ci = '1'; Requirement = @('skopeo'); Skipped = $false }
        @{ Why = "takes CI=false as a developer's machine"; Ci = 'false'; Requirement = @('skopeo'); Skipped = $true }
        @{ Why = 'meets podman|buildah with either'; Ci = ''; Requirement = @('podman|buildah'); Skipped = $false }
        @{ Why = 'needs every requirement'; Ci = ''; Requirement = @('kubectl', 'podman|docker-registry'); Skipped = $true }
    ) {
        Get-ToolSkip $Requirement -Path $FakePath -Ci $Ci -WarningAction SilentlyContinue | Should -Be $Skipped
    }

    It 'says which tools are missing when it skips' {
        Get-ToolSkip 'kubectl', 'skopeo' -Path $FakePath -Ci '' -WarningVariable warning -WarningAction SilentlyContinue | Out-Null
        "$warning" | Should -Be 'Skipped: needs skopeo, not installed here (a failure in CI).'
    }

    It 'finds a tool through its override variable' {
        $registry = Join-Path $WithKubectl 'registry-binary'
        Set-Content -LiteralPath $registry -Value ''
        $saved = $env:DOCKER_REGISTRY_BIN
        try {
            $env:DOCKER_REGISTRY_BIN = $registry
            Find-RequiredTool -Tool docker-registry -Path $Empty | Should -Be $registry
        }
        finally { $env:DOCKER_REGISTRY_BIN = $saved }
    }
}

Describe 'A test that needs kubectl, where PATH has none' {
    BeforeAll {
        $script:NeedsKubectl = Join-Path $TestDrive 'NeedsKubectl.Tests.ps1'
        Set-Content -LiteralPath $NeedsKubectl -Value @"
BeforeDiscovery {
    Import-Module '$PSScriptRoot/TestSupport.psm1'
    `$script:skip = Get-ToolSkip 'kubectl' -WarningAction SilentlyContinue
}
Describe 'needs kubectl' -Skip:`$skip {
    It 'runs kubectl' { & kubectl version --client | Out-Null; `$LASTEXITCODE | Should -Be 0 }
}
"@
        function Invoke-NeedsKubectl([string] $Ci) {
            $pester = (Get-Module Pester).Path
            $run = Invoke-FreshPwsh "`$env:PATH = '$Empty'; `$env:CI = '$Ci'; Import-Module '$pester'; `$r = Invoke-Pester -Path '$NeedsKubectl' -PassThru -Output None; 'PASSED=' + `$r.PassedCount; 'FAILED=' + `$r.FailedCount; 'SKIPPED=' + `$r.SkippedCount"
            $run.Output
        }
    }

    It "is skipped on a developer's machine" {
        $output = Invoke-NeedsKubectl -Ci ''
        $output | Should -Contain 'SKIPPED=1'
        $output | Should -Contain 'FAILED=0'
    }

    It 'fails in CI (CI=true)' {
        $output = Invoke-NeedsKubectl -Ci 'true'
        $output | Should -Contain 'FAILED=1'
        $output | Should -Contain 'SKIPPED=0'
    }
}
