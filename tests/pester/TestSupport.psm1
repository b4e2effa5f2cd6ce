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

Export-ModuleMember -Function Get-E2ePsRepositoryRoot, New-TestGitRepository, Invoke-FreshPwsh
