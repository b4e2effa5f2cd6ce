#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the E2ePs benchmarks next to kubectl against the Kubernetes API emulator and writes
    docs/benchmarks.md and docs/benchmarks.png.
.DESCRIPTION
    Expects a built repository (./build.ps1; `./build.ps1 -Task Bench` builds and then calls this
    script). Builds the harness (tests/bench/E2ePs.Bench) if needed and runs it with this pwsh and
    /usr/bin/kubectl. The figures are printed and written to the report; the script fails only when
    the benchmark could not run, never because a figure was slow.
.EXAMPLE
    tests/bench/Invoke-Benchmark.ps1 -RepositoryRoot .
.EXAMPLE
    tests/bench/Invoke-Benchmark.ps1 -RepositoryRoot . -Section wait -Repetitions 5 -Output /tmp/wait.md
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -RepositoryRoot . -Section wait,logs
    Two sections from a shell: under -File, pwsh passes 'wait,logs' as one string, which is split at the commas.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $RepositoryRoot,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Repetitions of each measurement (medians are reported). 3 keeps a full run under ~15 minutes on 2 cores.
    [ValidateRange(1, 20)]
    [int] $Repetitions = 3,

    # Only these sections: startup, scaffold, start, wait, logs. A list (-Section wait, logs) or, as
    # `pwsh -File` passes it, one comma-separated string (-Section wait,logs).
    [ValidateScript({
            $unknown = @($_ -split ',' | ForEach-Object Trim | Where-Object { $_ -and $_ -notin 'startup', 'scaffold', 'start', 'wait', 'logs' })
            if ($unknown) { throw "Unknown section '$($unknown -join "', '")'; the sections are startup, scaffold, start, wait and logs." }
            $true
        })]
    [string[]] $Section,

    # Smaller sizes, for working on the harness; the report says so.
    [switch] $Quick,

    # Where the report goes; docs/benchmarks.md by default.
    [string] $Output,

    # Where the chart goes; docs/benchmarks.png by default.
    [string] $Chart,

    [string] $Kubectl = '/usr/bin/kubectl'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if ($Section) { $Section = @($Section -split ',' | ForEach-Object Trim | Where-Object { $_ }) }
$root = (Resolve-Path $RepositoryRoot).Path
if (-not $Output) { $Output = Join-Path $root 'docs/benchmarks.md' }
if (-not $Chart) { $Chart = Join-Path $root 'docs/benchmarks.png' }

$project = Join-Path $root 'tests/bench/E2ePs.Bench/E2ePs.Bench.csproj'
& dotnet build $project -c $Configuration --nologo -v q -clp:NoSummary
if ($LASTEXITCODE -ne 0) { throw "Building the benchmark harness failed (exit code $LASTEXITCODE)." }
& dotnet build (Join-Path $root 'tests/bench/E2ePs.Bench.EmptyModule/E2ePs.Bench.EmptyModule.csproj') -c $Configuration --nologo -v q -clp:NoSummary
if ($LASTEXITCODE -ne 0) { throw "Building the empty baseline module failed (exit code $LASTEXITCODE)." }

# The measured pwsh is this one: its apphost where there is one, else pwsh.dll through dotnet.
$pwsh = @('pwsh', 'pwsh.dll') | ForEach-Object { Join-Path $PSHOME $_ } | Where-Object { Test-Path $_ } | Select-Object -First 1

$arguments = @(
    (Join-Path $root "tests/bench/E2ePs.Bench/bin/$Configuration/net10.0/E2ePs.Bench.dll"),
    '--repository-root', $root, '--configuration', $Configuration, '--pwsh', $pwsh, '--kubectl', $Kubectl,
    '--repetitions', $Repetitions, '--output', $Output, '--chart', $Chart
)
if ($Section) { $arguments += @('--section', ($Section -join ',')) }
if ($Quick) { $arguments += '--quick' }

& dotnet @arguments
exit $LASTEXITCODE
