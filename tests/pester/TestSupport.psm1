# Helpers shared by the Pester files of E2ePs.

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-E2ePsRepositoryRoot {
    # The E2ePs repository these tests run from.
    $script:RepositoryRoot
}

function New-TestGitRepository {
    # A throw-away git repository with an origin remote; the caller removes it.
    param(
        [string] $Origin = 'https://github.com/example/shop.git',
        [string] $Branch = 'main'
    )
    $path = Join-Path ([IO.Path]::GetTempPath()) ("e2eps-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $path | Out-Null
    git -C $path init -q -b $Branch
    if ($Origin) { git -C $path remote add origin $Origin }
    $path
}

function Invoke-FreshPwsh {
    # Runs a script block's text in a new pwsh process (the same pwsh as this one) and returns its output lines.
    param([Parameter(Mandatory)][string] $Command)
    $pwsh = Join-Path $PSHOME 'pwsh.dll'
    $output = & dotnet $pwsh -NoProfile -NonInteractive -Command $Command 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
}

function Find-RequiredTool {
    # Full path of a tool: its override variable (DOCKER_REGISTRY_BIN, BUSYBOX_BIN: upper case, '-' as
    # '_', then _BIN), else the first match on -Path; $null when absent. Twin of RequiredTools.Find.
    param([Parameter(Mandatory)][string] $Tool, [string] $Path = $env:PATH)
    $override = [Environment]::GetEnvironmentVariable($Tool.ToUpperInvariant().Replace('-', '_') + '_BIN')
    if ($override -and (Test-Path -LiteralPath $override -PathType Leaf)) { return $override }
    foreach ($folder in ($Path -split [IO.Path]::PathSeparator | Where-Object { $_ })) {
        $candidate = Join-Path $folder $Tool
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
    }
    $null
}

function Get-MissingTool {
    # The requirements no installed tool meets. A requirement is a tool, or alternatives separated by
    # '|' ('podman|buildah': either will do).
    param([Parameter(Mandatory)][string[]] $Requirement, [string] $Path = $env:PATH)
    @($Requirement | Where-Object { -not ($_ -split '\|' | Where-Object { Find-RequiredTool -Tool $_ -Path $Path }) })
}

function Test-CiEnvironment {
    # CI=true (any case) or CI=1, as GitHub Actions, GitLab and .ci/run set it.
    param([string] $Ci = $env:CI)
    $Ci -eq 'true' -or $Ci -eq '1'
}

function Get-ToolSkip {
    # The one rule for a test that needs an installed tool, twin of tests/support/RequiredTools.cs: $true
    # (skip) when a tool is missing on a developer's machine; $false when every tool is there, or in CI
    # (CI=true), where nothing skips and the test fails on the missing tool. Use it in BeforeDiscovery:
    #   Describe 'x' -Skip:(Get-ToolSkip 'podman|buildah', 'docker-registry')
    param([Parameter(Mandatory, Position = 0)][string[]] $Requirement, [string] $Path = $env:PATH, [string] $Ci = $env:CI)
    $missing = Get-MissingTool -Requirement $Requirement -Path $Path
    if ($missing.Count -eq 0 -or (Test-CiEnvironment -Ci $Ci)) { return $false }
    Write-Warning "Skipped: needs $($missing -join ' and '), not installed here (a failure in CI)."
    $true
}

function ConvertTo-ReportBlock {
    # The lines the runner templates print: gzip, base64, 76-character lines between the markers.
    param([string] $Xml)
    $bytes = [Text.Encoding]::UTF8.GetBytes($Xml)
    $buffer = [IO.MemoryStream]::new()
    $gzip = [IO.Compression.GZipStream]::new($buffer, [IO.Compression.CompressionLevel]::Optimal)
    $gzip.Write($bytes, 0, $bytes.Length)
    $gzip.Dispose()
    $encoded = [Convert]::ToBase64String($buffer.ToArray())
    '----- BEGIN E2EPS JUNIT (gzip+base64) -----'
    for ($i = 0; $i -lt $encoded.Length; $i += 76) { $encoded.Substring($i, [Math]::Min(76, $encoded.Length - $i)) }
    '----- END E2EPS JUNIT -----'
}

Export-ModuleMember -Function Get-E2ePsRepositoryRoot, New-TestGitRepository, Invoke-FreshPwsh, Find-RequiredTool, Get-MissingTool, Test-CiEnvironment, Get-ToolSkip, ConvertTo-ReportBlock
