#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages and benchmarks E2ePs.
.DESCRIPTION
    Build   compiles the cmdlet assembly into bin/ and the engine with its dependencies into
            bin/engine/, and compiles the markdown help in docs/help into MAML, so that
            `Import-Module ./E2ePs.psd1` works from the repository root. On linux-x64 the module's
            assemblies are ReadyToRun images (src/ReadyToRun; E2EPS_READYTORUN=0 skips it). The compile is incremental
            (obj/ is kept); bin/ is published afresh into a staging folder and swapped in whole, so a
            file left from an earlier build can never mask what this one built.
    Test    builds, runs the xUnit suites and then the Pester suite in a fresh pwsh process, and
            prints one closing line: "N passed, N failed, N skipped" (xUnit and Pester added up).
            -Tier Fast (the default, a few minutes): unit and table tests, the emulator's contract
            tests and the Pester surface. -Tier Full adds the slow tiers, which CI runs: real image
            builds and registries (buildah, podman, docker-registry) and stress (1 GB of log, 1,000
            jobs). Slow tests are marked [Trait("Tier", "Full")] in xUnit and -Tag 'Full' in Pester.
    Package writes a self-contained module folder to out/E2ePs/<version>/, ready to copy into
            $env:PSModulePath or to publish with Publish-PSResource.
    Clean   removes bin/, out/ and every obj/ and bin/ folder of the projects.
    Bench   runs the benchmarks against the Kubernetes API emulator and writes docs/benchmarks.md.
.EXAMPLE
    ./build.ps1
    Builds the module.
.EXAMPLE
    ./build.ps1 -Task Test
    Builds and runs the fast tier.
.EXAMPLE
    ./build.ps1 -Task Test -Tier Full
    Builds and runs every test, as CI does.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean', 'Bench')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Runs only the Pester files whose names match (for a quicker loop while developing).
    [string] $PesterFilter = '*',

    # Which tests -Task Test runs: Fast (the default) or Full (Fast plus real images and registries, and stress).
    [ValidateSet('Fast', 'Full')]
    [string] $Tier = 'Fast'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'

function Invoke-Native {
    # Runs a native command and stops the build when it fails.
    param([Parameter(Mandatory)][string] $Command, [string[]] $Arguments)
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$Command $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Invoke-Build {
    # Incremental: MSBuild compiles only what changed since the last build (obj/ stays).
    Invoke-Native dotnet @('build', (Join-Path $root 'E2ePs.sln'), '-c', $Configuration, '--nologo', '-v', 'q', '-clp:NoSummary')
    # bin/ is published into a staging folder and swapped in whole, never published over: a file an
    # earlier build left (a dependency since dropped, a renamed assembly) cannot survive to mask this build.
    $bin = Join-Path $root 'bin'
    $staging = Join-Path $out 'bin.staging'
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/E2ePs/E2ePs.csproj'), '-c', $Configuration, '--no-build', '-o', $staging, '--nologo', '-v', 'q')
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/E2ePs.Engine/E2ePs.Engine.csproj'), '-c', $Configuration, '--no-build', '-o', (Join-Path $staging 'engine'), '--nologo', '-v', 'q')
    # The engine must find E2ePs.dll in the default load context, never a private copy.
    Remove-Item (Join-Path $staging 'engine/E2ePs.dll'), (Join-Path $staging 'engine/E2ePs.pdb'), (Join-Path $staging 'engine/E2ePs.xml') -ErrorAction SilentlyContinue
    Invoke-ReadyToRun -Staging $staging
    if (Test-Path $bin) { Remove-Item $bin -Recurse -Force }
    Move-Item $staging $bin
    & (Join-Path $root 'src/Help/Build-Help.ps1') -Source (Join-Path $root 'docs/help') -ModuleRoot $root
    Write-Host "Built E2ePs into $bin; Import-Module ./E2ePs.psd1 loads it."
}

function Invoke-ReadyToRun {
    # On linux-x64 the staged assemblies (E2ePs.dll, the engine and its dependencies) are replaced by
    # ReadyToRun images of themselves: the same IL and metadata plus precompiled x64 code for .NET 10 (the
    # runtime of pwsh 7.6), so the first cluster call runs that code instead of JIT-compiling thousands of
    # methods. Anywhere else (another OS or CPU, or .NET 8 under pwsh 7.4, whose runtime does not take a
    # newer R2R format) the runtime ignores the precompiled code and JIT-compiles the IL as before, so the
    # layout stays portable. Elsewhere than linux-x64 nothing is precompiled: the crossgen package the
    # build restores from the NuGet feed is the linux-x64 one. E2EPS_READYTORUN=0 skips the step.
    param([Parameter(Mandatory)][string] $Staging)
    $isLinuxX64 = $IsLinux -and [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq [System.Runtime.InteropServices.Architecture]::X64
    if (-not $isLinuxX64 -or $env:E2EPS_READYTORUN -eq '0') { return }
    $images = Join-Path $out 'r2r'
    if (Test-Path $images) { Remove-Item $images -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/ReadyToRun/ReadyToRun.csproj'), '-c', $Configuration, '-o', $images, '--nologo', '-v', 'q',
        "-p:ModuleAssemblies=$Staging", "-p:PowerShellAssemblies=$PSHOME")
    foreach ($image in Get-ChildItem $images -Filter *.dll -Recurse | Where-Object Name -ne 'ReadyToRun.dll') {
        $relative = [System.IO.Path]::GetRelativePath($images, $image.FullName)
        Copy-Item $image.FullName -Destination (Join-Path $Staging $relative) -Force
    }
    Remove-Item $images -Recurse -Force
}

function Get-NuGetPackageFolder {
    param([Parameter(Mandatory)][string] $Id, [Parameter(Mandatory)][string] $Version)
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $folder = Join-Path $packages "$($Id.ToLowerInvariant())/$Version"
    if (-not (Test-Path $folder)) {
        Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/TestTools.csproj'), '--nologo', '-v', 'q')
    }
    $folder
}

function Read-TrxCounts {
    # Adds up the counters of the TRX files that `dotnet test` wrote.
    param([string] $Folder)
    $counts = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($file in Get-ChildItem $Folder -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        [xml] $trx = Get-Content -LiteralPath $file.FullName -Raw
        $counters = $trx.TestRun.ResultSummary.Counters
        $counts.Passed += [int] $counters.passed
        $counts.Failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        $counts.Skipped += [int] $counters.notExecuted
    }
    $counts
}

$inPodProject = 'tests/E2ePs.InPod.Tests/E2ePs.InPod.Tests.csproj'

function Start-InPodTests {
    # Starts `dotnet test` of the in-pod project in the background; its console goes to a file that
    # Wait-InPodTests prints, its TRX (fixed name: two test runs in one second must not collide) next to the others.
    param([Parameter(Mandatory)][string] $Results)
    $console = Join-Path $Results 'inpod-console.log'
    $arguments = @('test', (Join-Path $root $inPodProject), '-c', $Configuration, '--no-build', '--nologo',
        '--logger', 'trx;LogFileName=E2ePs.InPod.Tests.trx', '--logger', 'console;verbosity=minimal',
        '--results-directory', (Join-Path $Results 'xunit/inpod'))
    Write-Host "E2ePs.InPod.Tests started in the background (console: $console)."
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -NoNewWindow -PassThru `
        -RedirectStandardOutput $console -RedirectStandardError (Join-Path $Results 'inpod-stderr.log')
    [pscustomobject]@{ Process = $process; Console = $console; Errors = (Join-Path $Results 'inpod-stderr.log'); Clock = [Diagnostics.Stopwatch]::StartNew() }
}

function Wait-InPodTests {
    # Waits for the background in-pod tests, prints their console and returns their exit code.
    param([Parameter(Mandatory)] $Run)
    $Run.Process.WaitForExit()
    Write-Host "E2ePs.InPod.Tests (background, $([int] $Run.Clock.Elapsed.TotalSeconds) s):"
    Get-Content -LiteralPath $Run.Console | Write-Host
    if ((Test-Path $Run.Errors) -and (Get-Item $Run.Errors).Length -gt 0) { Get-Content -LiteralPath $Run.Errors | Write-Host }
    $Run.Process.ExitCode
}

function New-SolutionFilter {
    # A solution filter (.slnf) of every project of E2ePs.sln but one, for `dotnet test`.
    param([Parameter(Mandatory)][string] $Without, [Parameter(Mandatory)][string] $Folder)
    $solution = Join-Path $root 'E2ePs.sln'
    $excluded = $Without -replace '/', '\'
    $projects = @(Select-String -LiteralPath $solution -Pattern '^Project\("\{[^}]+\}"\) = "[^"]+", "([^"]+\.csproj)"' |
        ForEach-Object { $_.Matches[0].Groups[1].Value } | Where-Object { $_ -ne $excluded })
    $filter = Join-Path $Folder 'E2ePs.without-inpod.slnf'
    @{ solution = @{ path = $solution; projects = $projects } } | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $filter -Encoding utf8NoBOM
    $filter
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null

    # xUnit: the engine and the emulator, without PowerShell. The fast tier leaves out [Trait("Tier", "Full")].
    $tierFilter = if ($Tier -eq 'Fast') { @('--filter', 'Tier!=Full') } else { @() }
    Write-Host "Tier $Tier$(if ($Tier -eq 'Fast') { ' (-Tier Full adds real images and registries, and stress)' })"
    # The full tier's in-pod tests (real buildah containers, minutes spent waiting on vfs copies, the registry
    # and git) run in a process of their own from the start, beside the other xUnit projects and Pester,
    # instead of alone at the end of the solution's run. Everything else runs exactly as before.
    $inPod = if ($Tier -eq 'Full') { Start-InPodTests -Results $results } else { $null }
    $solution = if ($inPod) { New-SolutionFilter -Without $inPodProject -Folder $results } else { Join-Path $root 'E2ePs.sln' }
    & dotnet test $solution -c $Configuration --no-build --nologo @tierFilter `
        --logger 'trx' --logger 'console;verbosity=minimal' --results-directory (Join-Path $results 'xunit')
    $xunitExit = $LASTEXITCODE

    # Pester: the module surface, in a fresh pwsh process so that no assembly loaded here masks the build.
    $pester = Join-Path (Get-NuGetPackageFolder -Id 'Pester' -Version '5.7.1') 'tools/Pester.psd1'
    $summary = Join-Path $results 'pester-summary.json'
    $pesterScript = Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1'
    # The filter travels in the environment: PowerShell expands a bare '*' handed to a native command on Unix.
    $env:E2EPS_PESTER_FILTER = $PesterFilter
    & dotnet pwsh -NoProfile -NonInteractive -File $pesterScript -PesterModule $pester `
        -ResultPath (Join-Path $results 'pester.xml') -SummaryPath $summary -Tier $Tier
    $pesterExit = $LASTEXITCODE
    Remove-Item Env:E2EPS_PESTER_FILTER
    if ($inPod) {
        $inPodExit = Wait-InPodTests $inPod
        if ($inPodExit -ne 0) { $xunitExit = $inPodExit }
    }
    $xunit = Read-TrxCounts (Join-Path $results 'xunit')
    $pesterCounts = if (Test-Path $summary) { Get-Content $summary -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $pesterCounts.Passed
    $failed = $xunit.Failed + $pesterCounts.Failed
    $skipped = $xunit.Skipped + $pesterCounts.Skipped
    Write-Host "xUnit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed, $($pesterCounts.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $xunitExit -ne 0 -or $pesterExit -ne 0) {
        exit 1
    }
}

function Invoke-Package {
    Invoke-Build
    $manifest = Import-PowerShellDataFile (Join-Path $root 'E2ePs.psd1')
    $destination = Join-Path $out "E2ePs/$($manifest.ModuleVersion)"
    if (Test-Path $destination) { Remove-Item $destination -Recurse -Force }
    New-Item -ItemType Directory -Path $destination -Force | Out-Null
    foreach ($item in 'E2ePs.psd1', 'bin', 'module', 'templates', 'en-US', 'LICENSE', 'README.md', 'CHANGELOG.md') {
        $source = Join-Path $root $item
        if (Test-Path $source) { Copy-Item $source -Destination $destination -Recurse }
    }
    Get-ChildItem $destination -Recurse -Include '*.pdb' | Remove-Item
    Write-Host "Packaged E2ePs $($manifest.ModuleVersion) into $destination"
}

function Invoke-Clean {
    foreach ($folder in @((Join-Path $root 'bin'), $out, (Join-Path $root 'en-US'))) {
        if (Test-Path $folder) { Remove-Item $folder -Recurse -Force }
    }
    Get-ChildItem (Join-Path $root 'src'), (Join-Path $root 'tests') -Directory -Recurse -Include 'bin', 'obj' |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host 'Cleaned.'
}

function Invoke-Bench {
    Invoke-Build
    & (Join-Path $root 'tests/bench/Invoke-Benchmark.ps1') -RepositoryRoot $root
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

foreach ($step in $Task) {
    switch ($step) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Clean' { Invoke-Clean }
        'Bench' { Invoke-Bench }
    }
}
