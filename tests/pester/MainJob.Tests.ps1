#Requires -Version 7.4
# The README's main job (docs/demo/Invoke-MainJob.ps1), run as the README says, in a fresh pwsh: in real
# containers when the tools are there (the clone and pytest really run), and on the simulated runtime
# when they are not, saying which it did.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    # Skipped on a developer's machine without the tools; in CI (CI=true) a missing tool fails instead.
    $script:missingRealTools = Get-ToolSkip 'buildah', 'skopeo', 'mmdebstrap', 'docker-registry', 'git'
}

# Tier Full: real containers, base images, a registry.
Describe "The README's main job" -Tag 'Full' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $script:Dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
        $script:Demo = Join-Path (Get-E2ePsRepositoryRoot) 'docs/demo/Invoke-MainJob.ps1'
        function Invoke-Demo([string[]] $Arguments) {
            $output = & $Dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $Demo @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output | ForEach-Object { "$_" }) -join "`n" }
        }
    }

    It 'runs the example job in real containers: the clone and pytest really run, and it says so' -Skip:$missingRealTools {
        $demo = Invoke-Demo @()

        $demo.Text | Should -Match 'Real containers: the emulator runs the pod with buildah'
        # The clone script's own lines, and pytest's: no simulated container writes them.
        $demo.Text | Should -Match 'Cloned commit [0-9a-f]{7}'
        $demo.Text | Should -Match 'platform linux -- Python 3\.'
        $demo.Text | Should -Match 'test_orchestrator_with_tools_e2e\.py::test_vllm_agent_with_smart_context PASSED'
        $demo.Text | Should -Match 'pytest ran 1 test\(s\) in the job''s image: 1 passed, 0 failed'
        $demo.Text | Should -Match 'The E2E test passed'
        $demo.ExitCode | Should -Be 0
    }

    It 'falls back to the simulated runtime where buildah is missing, and says so' {
        # A PATH with git, dotnet and kubectl only: what a machine without the container tools has.
        $bin = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-nobuildah-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $bin | Out-Null
        foreach ($tool in 'git', 'dotnet', 'kubectl') {
            if ($found = Get-Command $tool -CommandType Application -ErrorAction Ignore | Select-Object -First 1) {
                New-Item -ItemType SymbolicLink -Path (Join-Path $bin $tool) -Target $found.Source | Out-Null
            }
        }
        $path = $env:PATH
        try {
            $env:PATH = $bin
            $demo = Invoke-Demo @()
        }
        finally {
            $env:PATH = $path
            Remove-Item $bin -Recurse -Force
        }

        $demo.Text | Should -Match 'buildah, skopeo, mmdebstrap, docker-registry not installed: falling back to the emulator''s simulated runtime'
        $demo.Text | Should -Match 'Simulated runtime: the emulator plays the test container back'
        $demo.Text | Should -Not -Match 'platform linux -- Python'
        $demo.Text | Should -Match 'The E2E test passed'
        $demo.ExitCode | Should -Be 0
    }
}
