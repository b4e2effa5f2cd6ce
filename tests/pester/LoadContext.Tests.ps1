#Requires -Version 7.4
# The engine's load context as PowerShell sees it: after Import-Module the engine and its dependencies
# live in E2ePs's private AssemblyLoadContext, never in the default one; Remove-Module releases the
# engine and a second Import-Module in the same session works again; a module without bin/engine fails
# at Import-Module with an error that names the folder and says to run ./build.ps1. Each case runs in a
# fresh pwsh, so that no assembly this process loaded answers for the build.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    # A repository with one job: reading it back goes through KubernetesClient's and YamlDotNet's types.
    $script:Repo = New-TestGitRepository
    $made = Invoke-FreshPwsh "Import-Module '$Root/E2ePs.psd1'; New-E2eJob -Name alc -TestPath tests/test_alc.py -Path '$Repo' | Out-Null"
    if ($made.ExitCode -ne 0) { throw "New-E2eJob failed: $($made.Output -join "`n")" }

    # A line of the child's output for each assembly the engine needs: its name and its load context.
    $script:ShowContexts = @'
foreach ($name in 'E2ePs.Engine', 'KubernetesClient', 'YamlDotNet', 'E2ePs') {
    foreach ($assembly in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $name }) {
        "ALC $name=" + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name
    }
}
'@
}

AfterAll { Remove-Item $Repo -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'The engine load context' {
    It 'loads the engine and its dependencies into the private context, and E2ePs.dll into the default one' {
        $run = Invoke-FreshPwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$Root/E2ePs.psd1'; 'JOB=' + (Get-E2eJob -Path '$Repo').JobName; 'CREATED=' + [E2ePs.Loading.EngineHost]::IsEngineCreated; $ShowContexts"
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'JOB=test-alc-e2e'
        $run.Output | Should -Contain 'CREATED=True'
        # One copy of each, in the context EngineLoadContext names "E2ePs.Engine".
        $run.Output | Should -Contain 'ALC E2ePs.Engine=E2ePs.Engine'
        $run.Output | Should -Contain 'ALC KubernetesClient=E2ePs.Engine'
        $run.Output | Should -Contain 'ALC YamlDotNet=E2ePs.Engine'
        $run.Output | Should -Contain 'ALC E2ePs=Default'
        @($run.Output | Where-Object { $_ -like 'ALC E2ePs.Engine=*' }).Count | Should -Be 1
    }

    It 'releases the engine on Remove-Module, and a second Import-Module in the session works with the same context' {
        $run = Invoke-FreshPwsh (@(
                "`$ErrorActionPreference = 'Stop'"
                "Import-Module '$Root/E2ePs.psd1'; Get-E2eJob -Path '$Repo' | Out-Null"
                "'BEFORE=' + [E2ePs.Loading.EngineHost]::IsEngineCreated"
                "Remove-Module E2ePs"
                "'REMOVED=' + [E2ePs.Loading.EngineHost]::IsEngineCreated"
                "Import-Module '$Root/E2ePs.psd1'; Get-E2eJob -Path '$Repo' | Out-Null"
                "'AGAIN=' + [E2ePs.Loading.EngineHost]::IsEngineCreated"
                "'TEMPLATES=' + ((TabExpansion2 'New-E2eJob -Template ').CompletionMatches.CompletionText -join ',')"
                "'CONTEXTS=' + @([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'E2ePs.Engine').Count"
            ) -join '; ')
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'BEFORE=True'
        $run.Output | Should -Contain 'REMOVED=False'
        $run.Output | Should -Contain 'AGAIN=True'
        # The re-imported module works: completion goes through the engine to the templates folder.
        ($run.Output | Where-Object { $_ -like 'TEMPLATES=*' }) | Should -Match 'pytest'
        # The engine's assemblies were not loaded a second time.
        $run.Output | Should -Contain 'CONTEXTS=1'
    }

    It 'keeps the engine while another runspace still has the module imported' {
        $run = Invoke-FreshPwsh (@(
                "`$ErrorActionPreference = 'Stop'"
                "Import-Module '$Root/E2ePs.psd1'; Get-E2eJob -Path '$Repo' | Out-Null"
                "`$other = [powershell]::Create(); `$other.AddScript(`"Import-Module '$Root/E2ePs.psd1'`").Invoke() | Out-Null"
                "Remove-Module E2ePs"
                "'ONE LEFT=' + [E2ePs.Loading.EngineHost]::IsEngineCreated"
                "`$other.Commands.Clear(); `$other.AddScript('Remove-Module E2ePs').Invoke() | Out-Null; `$other.Dispose()"
                "'NONE LEFT=' + [E2ePs.Loading.EngineHost]::IsEngineCreated"
            ) -join '; ')
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'ONE LEFT=True'
        $run.Output | Should -Contain 'NONE LEFT=False'
    }
}

Describe 'A module without bin/engine' {
    BeforeAll {
        # The module's layout as ./build.ps1 -Task Package lays it out, less the engine's folder.
        $script:Broken = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-noengine-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Broken | Out-Null
        foreach ($item in 'E2ePs.psd1', 'bin', 'module', 'templates') {
            Copy-Item (Join-Path $Root $item) -Destination $Broken -Recurse
        }
        Remove-Item (Join-Path $Broken 'bin/engine') -Recurse -Force
    }

    AfterAll { Remove-Item $Broken -Recurse -Force -ErrorAction SilentlyContinue }

    It 'fails at Import-Module with EngineFolderMissing, naming the folder and ./build.ps1' {
        $run = Invoke-FreshPwsh "try { Import-Module '$Broken/E2ePs.psd1' -ErrorAction Stop; 'IMPORTED' } catch { 'MESSAGE=' + `$_.Exception.Message; 'INNER=' + `$_.Exception.GetBaseException().GetType().FullName; 'ID=' + `$_.Exception.GetBaseException().ErrorId; 'ACTION=' + `$_.Exception.GetBaseException().RecommendedAction }; 'ENGINE LOADED=' + [bool]([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'E2ePs.Engine' })"
        $run.Output | Should -Not -Contain 'IMPORTED'
        $message = $run.Output | Where-Object { $_ -like 'MESSAGE=*' }
        $message | Should -BeLike "*$(Join-Path $Broken 'bin/engine/E2ePs.Engine.dll')*does not exist*"
        $run.Output | Should -Contain 'INNER=E2ePs.Contracts.E2eException'
        $run.Output | Should -Contain 'ID=EngineFolderMissing'
        $run.Output | Where-Object { $_ -like 'ACTION=*' } | Should -BeLike '*run ./build.ps1*'
        # Nothing fell back to the default context.
        $run.Output | Should -Contain 'ENGINE LOADED=False'
    }
}
