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

Describe 'What Import-Module loads' {
    It 'loads no engine, KubernetesClient, YamlDotNet or Fractions until the first call that needs them' {
        # The engine (and with it the kubeconfig parser and YAML) loads on the first cmdlet that needs it:
        # an import that only lists commands or completes a name pays nothing for it.
        $names = "'E2ePs.Engine', 'KubernetesClient', 'YamlDotNet', 'Fractions'"
        $run = Invoke-FreshPwsh (@(
                "`$ErrorActionPreference = 'Stop'"
                "Import-Module '$Root/E2ePs.psd1'"
                "`$loaded = { @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in $names } | ForEach-Object { `$_.GetName().Name } | Sort-Object) -join ',' }"
                "'AT IMPORT=' + (& `$loaded)"
                "'CREATED=' + [E2ePs.Loading.EngineHost]::IsEngineCreated"
                "Get-E2eJob -Path '$Repo' | Out-Null"
                "'AFTER CALL=' + (& `$loaded)"
            ) -join '; ')
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'AT IMPORT='
        $run.Output | Should -Contain 'CREATED=False'
        # The same probe sees them once a call needed them, so an empty list above is not a blind probe.
        $run.Output | Should -Contain 'AFTER CALL=E2ePs.Engine,Fractions,KubernetesClient,YamlDotNet'
    }

    It 'runs no command in the nested script module that would auto-load another module, and still exports $E2ePsInvokeJob' {
        # A command of Microsoft.PowerShell.Management (Join-Path) in E2ePs.Scripts.psm1 made every import
        # auto-load that module into the nested module's scope; only Microsoft.PowerShell.Core is always there.
        $script = Join-Path $Root 'module/E2ePs.Scripts.psm1'
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($script, [ref] $null, [ref] $null)
        $commands = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)
        $commands.Count | Should -BeGreaterThan 0 -Because 'Export-ModuleMember is a command, so an empty list would be a blind probe'
        foreach ($name in $commands.GetCommandName()) {
            (Get-Command $name).ModuleName | Should -Be 'Microsoft.PowerShell.Core' -Because "$name runs at every import"
        }

        $run = Invoke-FreshPwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$Root/E2ePs.psd1'; 'SCRIPT=' + `$E2ePsInvokeJob; 'EXPORTED=' + ((Get-Module E2ePs).ExportedVariables.Keys -join ',')"
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain ('SCRIPT=' + (Join-Path $Root 'module/Invoke-E2eJob.ps1'))
        $run.Output | Should -Contain 'EXPORTED=E2ePsInvokeJob'
    }

    It 'lists module/E2ePs.Types.ps1xml in TypesToProcess exactly when it declares a type' {
        # PowerShell binds a manifest's types files at import even when they are empty, so the manifest
        # leaves the empty file out; a member added to it must bring the file back into the manifest.
        $manifest = Import-PowerShellDataFile (Join-Path $Root 'E2ePs.psd1')
        $types = [xml] (Get-Content -Raw -LiteralPath (Join-Path $Root 'module/E2ePs.Types.ps1xml'))
        $declares = $types.SelectNodes('/Types/Type').Count -gt 0
        ($manifest.TypesToProcess -contains 'module/E2ePs.Types.ps1xml') | Should -Be $declares
        $types.DocumentElement.Name | Should -Be 'Types' -Because 'the file must still be a types file that PowerShell can read'
    }
}

Describe 'The built module''s ReadyToRun images' {
    BeforeAll {
        # build.ps1 (Invoke-ReadyToRun) precompiles on linux-x64 unless E2EPS_READYTORUN=0; elsewhere it publishes IL only.
        $script:ExpectR2R = $IsLinux -and [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'X64' -and $env:E2EPS_READYTORUN -ne '0'

        function Read-Image([string] $Path) {
            # The CLI header's ManagedNativeHeader points at the READYTORUN_HEADER of an R2R image (zero in IL
            # only assemblies); the metadata's references say which framework the IL was built against.
            $stream = [IO.File]::OpenRead($Path)
            try {
                $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
                $metadata = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                $runtime = foreach ($handle in $metadata.AssemblyReferences) {
                    $reference = $metadata.GetAssemblyReference($handle)
                    if ($metadata.GetString($reference.Name) -eq 'System.Runtime') { $reference.Version }
                }
                [pscustomobject]@{
                    NativeHeaderSize = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size
                    HasMetadata      = $pe.HasMetadata
                    Machine          = [int] $pe.PEHeaders.CoffHeader.Machine
                    SystemRuntime    = $runtime
                }
            }
            finally { $stream.Dispose() }
        }
    }

    It '<Path> is a ReadyToRun image on linux-x64 that still carries the net8.0 IL' -ForEach @(
        @{ Path = 'bin/E2ePs.dll' }, @{ Path = 'bin/engine/E2ePs.Engine.dll' }, @{ Path = 'bin/engine/KubernetesClient.dll' }
        @{ Path = 'bin/engine/YamlDotNet.dll' }, @{ Path = 'bin/engine/Fractions.dll' }
    ) {
        param($Path)
        $image = Read-Image (Join-Path $Root $Path)
        $image.HasMetadata | Should -BeTrue
        # The IL still references .NET 8's System.Runtime: pwsh 7.4 loads it and JIT-compiles it.
        $image.SystemRuntime.Major | Should -Be 8
        if ($ExpectR2R) {
            $image.NativeHeaderSize | Should -BeGreaterThan 0 -Because 'build.ps1 precompiles the module on linux-x64'
            # crossgen2 marks an image for Linux by XOR-ing the PE machine with 0x7B79 (dotnet/runtime, crossgen2's
            # ILCompiler.PEWriter.MachineOSOverride.Linux, the runtime's IMAGE_FILE_MACHINE_NATIVE_OS_OVERRIDE):
            # AMD64 0x8664 becomes 0xFD1D. An IL-only assembly says 0x14C (I386).
            $image.Machine | Should -Be 0xFD1D
        }
        else {
            $image.NativeHeaderSize | Should -Be 0
        }
    }
}
