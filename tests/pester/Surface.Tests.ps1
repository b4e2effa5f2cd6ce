#Requires -Version 7.4
# The module surface as a new user meets it: the README's commands, pipeline binding, help, views,
# import and re-import. Cluster tests run against the Kubernetes API emulator.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
}

Describe "The README's two commands" -Skip:($IsWindows) {
    BeforeAll {
        # The bash blocks of the "Two commands" section, in order: the main job, then all the tests.
        $readme = Get-Content -Raw -LiteralPath (Join-Path $Root 'README.md')
        $section = ($readme -split '(?m)^## ')[1..99] | Where-Object { $_ -like 'Two commands*' } | Select-Object -First 1
        $script:Commands = @([regex]::Matches($section, '(?s)```bash\s*\n(.*?)\n```') | ForEach-Object { $_.Groups[1].Value.Trim() })

        function Invoke-WithStub {
            # Runs a README command in a copy of the repository's root with stand-ins for id, sudo,
            # apt-get and dotnet that log their arguments, so nothing is installed or built.
            param([string] $Command, [int] $Uid, [switch] $WithSudo)
            $bin = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-readme-' + [guid]::NewGuid().ToString('N'))
            New-Item -ItemType Directory -Path $bin | Out-Null
            $log = Join-Path $bin 'calls.log'
            foreach ($tool in 'bash', 'dirname', 'cat', 'env') {
                $real = (Get-Command $tool -CommandType Application | Select-Object -First 1).Source
                New-Item -ItemType SymbolicLink -Path (Join-Path $bin $tool) -Target $real | Out-Null
            }
            $stubs = @{ 'id' = "echo $Uid"; 'apt-get' = "echo apt-get `"`$@`" >> '$log'"; 'dotnet' = "echo dotnet `"`$@`" >> '$log'" }
            if ($WithSudo) { $stubs['sudo'] = "echo sudo `"`$1`" >> '$log'; exec `"`$@`"" }
            foreach ($name in $stubs.Keys) {
                Set-Content -LiteralPath (Join-Path $bin $name) -Value "#!$((Get-Command bash).Source)`n$($stubs[$name])"
                chmod +x (Join-Path $bin $name)
            }
            $bash = (Get-Command bash -CommandType Application | Select-Object -First 1).Source
            Push-Location $Root
            try {
                $output = & $bash --noprofile --norc -c "export PATH='$bin'; $Command" 2>&1
                $exit = $LASTEXITCODE
            } finally { Pop-Location }
            $calls = @(if (Test-Path $log) { Get-Content -LiteralPath $log })
            Remove-Item $bin -Recurse -Force
            [pscustomobject]@{ ExitCode = $exit; Output = "$output"; Calls = $calls }
        }
    }

    It 'has the main job and the test command' {
        $Commands.Count | Should -Be 2
    }

    It 'runs the <Label> command as root where there is no sudo' -ForEach @(@{ Index = 0; Label = 'main job' }, @{ Index = 1; Label = 'test' }) {
        $run = Invoke-WithStub -Command $Commands[$Index] -Uid 0
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Calls | Should -Contain 'dotnet tool restore'
        $run.Calls | Where-Object { $_ -like 'dotnet pwsh*' } | Should -Not -BeNullOrEmpty
        $run.Calls | Where-Object { $_ -like 'sudo*' } | Should -BeNullOrEmpty
    }

    It 'installs the packages with apt-get as root, and through sudo as another user' {
        $asRoot = Invoke-WithStub -Command $Commands[1] -Uid 0
        $asRoot.Calls | Where-Object { $_ -like 'apt-get install*' } | Should -Match 'kubectl'
        $asUser = Invoke-WithStub -Command $Commands[1] -Uid 1000 -WithSudo
        $asUser.ExitCode | Should -Be 0 -Because $asUser.Output
        $asUser.Calls | Should -Contain 'sudo apt-get'
        $asUser.Calls | Where-Object { $_ -like 'apt-get install*' } | Should -Match 'buildah'
        $asUser.Calls | Where-Object { $_ -like 'dotnet pwsh*-Task Test*' } | Should -Not -BeNullOrEmpty
    }
}
