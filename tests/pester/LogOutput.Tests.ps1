# Get-E2eLog's format view: each line written as the container wrote it, in a pwsh whose output is
# redirected (stdout not a terminal), at widths 80 and 120, and after other output.
BeforeAll {
    $Root = (Resolve-Path "$PSScriptRoot/../..").Path
    # A child PowerShell: `dotnet pwsh.dll`, the way the other suites start one (works under the dotnet tool too).
    function Invoke-ChildPwsh { & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @args }
    $Long = 'abcdefghij' * 30
    $Tabbed = "tab`there ünï 日本 ✓"
    # A child script that writes two containers' lines as E2eLogLine objects, the first after a string.
    $Script = Join-Path $TestDrive 'lines.ps1'
    Set-Content -LiteralPath $Script -Encoding utf8 -Value @"
param([switch]`$First, [switch]`$OneContainer)
Import-Module '$Root/E2ePs.psd1'
if (`$First) { Write-Output 'x' }
`$lines = @(
    [E2ePs.Models.E2eLogLine]@{ Pod = 'p'; Container = 'clone-repo'; InitContainer = `$true; Message = '$Long'; SectionStart = -not `$OneContainer }
    [E2ePs.Models.E2eLogLine]@{ Pod = 'p'; Container = 'clone-repo'; InitContainer = `$true; Message = '' }
    [E2ePs.Models.E2eLogLine]@{ Pod = 'p'; Container = 'clone-repo'; InitContainer = `$true; Message = "$Tabbed" }
)
if (-not `$OneContainer) { `$lines += [E2ePs.Models.E2eLogLine]@{ Pod = 'p'; Container = 'test-runner'; Message = 'done'; SectionStart = `$true } }
`$lines
"@
    function Split-Output([string] $Text) { ($Text -replace "`r`n", "`n").TrimEnd("`n") -split "`n" }
}

Describe 'Get-E2eLog lines shown or redirected' {
    It 'pwsh -File redirected to a file: no wrap, no blank lines, a header per container' {
        $out = Join-Path $TestDrive 'out.txt'
        Invoke-ChildPwsh -File $Script > $out
        Split-Output (Get-Content -LiteralPath $out -Raw -Encoding utf8) | Should -Be @(
            '==> p/clone-repo <==', $Long, '', $Tabbed, '==> p/test-runner <==', 'done')
    }

    It 'one container redirected: exactly its lines, no header' {
        $out = Join-Path $TestDrive 'one.txt'
        Invoke-ChildPwsh -File $Script -OneContainer > $out
        Split-Output (Get-Content -LiteralPath $out -Raw -Encoding utf8) | Should -Be @($Long, '', $Tabbed)
    }

    It 'after other output first: still one line per log line, not a list' {
        $out = Join-Path $TestDrive 'first.txt'
        Invoke-ChildPwsh -File $Script -First -OneContainer > $out
        Split-Output (Get-Content -LiteralPath $out -Raw -Encoding utf8) | Should -Be @('x', $Long, '', $Tabbed)
    }

    It 'Out-String -Width <Width> and Out-Host in a redirected child: never wrapped' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
        $text = Invoke-ChildPwsh -Command "& '$Script' -First | Out-String -Width $Width" | Out-String
        Split-Output $text | Should -Be @('x', '==> p/clone-repo <==', $Long, '', $Tabbed, '==> p/test-runner <==', 'done')
        $hosted = Invoke-ChildPwsh -Command "& '$Script' -OneContainer | Out-Host" | Out-String
        Split-Output $hosted | Should -Be @($Long, '', $Tabbed)
    }
}
