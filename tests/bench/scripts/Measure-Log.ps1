# Logs: Get-E2eLog -Follow of the named jobs, one after the other as a pipeline binds them. -Mode says how:
#   Objects   objects | Out-Null
#   Strings   -Timestamps, "<timestamp> <text>" strings | Out-Null
#   Raw       -Raw, chunks of text | Out-Null
#   File      objects > file (PowerShell's redirection, the text as shown)
#   OutFile   -OutFile file (no object per line)
# Each read names its container (-Container test-runner, the only one of the bench's pods), as `kubectl logs job/<name>`
# reads one container: without it Get-E2eLog prefixes every line with [pod/<pod>/<container>] as
# `kubectl logs --prefix --all-containers` does, and the two would not write the same bytes.
# Timed after a warm-up read of one line.
#   pwsh -NoProfile -File Measure-Log.ps1 -Module ./E2ePs.psd1 -Kubeconfig $kc -Namespace logs -Name test-log10-e2e -Mode Raw
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $Kubeconfig,
    [Parameter(Mandatory)][string] $Namespace,
    [Parameter(Mandatory)][string[]] $Name,
    [ValidateSet('Objects', 'Strings', 'Raw', 'File', 'OutFile')]
    [string] $Mode = 'Objects',
    # Old name of -Mode Strings.
    [switch] $Timestamps
)
if ($Timestamps) { $Mode = 'Strings' }
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchFacts.ps1')
# pwsh -File passes "a,b" as one string.
$Name = $Name -split ','

Import-Module $Module
$jobs = $Name | ForEach-Object { [pscustomobject] @{ Name = $_; Namespace = $Namespace; Kubeconfig = $Kubeconfig } }
# Warm up: follow the last line of the first job, so the engine is loaded and the follow path has run once.
$null = $jobs[0] | Get-E2eLog -Follow -Container test-runner -Tail 1
Write-Fact 'memory-before-kb' (Get-PeakMemoryKilobytes)

$file = Join-Path ([IO.Path]::GetTempPath()) ("e2eps-bench-log-$PID.txt")
$process = [Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $process.TotalProcessorTime
$clock = [Diagnostics.Stopwatch]::StartNew()
switch ($Mode) {
    'Objects' { $jobs | Get-E2eLog -Follow -Container test-runner | Out-Null }
    'Strings' { $jobs | Get-E2eLog -Follow -Container test-runner -Timestamps | Out-Null }
    'Raw' { $jobs | Get-E2eLog -Follow -Container test-runner -Raw | Out-Null }
    'File' { $jobs | Get-E2eLog -Follow -Container test-runner > $file }
    'OutFile' { $jobs | Get-E2eLog -Follow -Container test-runner -OutFile $file }
}
Write-Fact 'log-ms' $clock.Elapsed.TotalMilliseconds
# CPU time (user + system, all threads) of the measured read: far less sensitive to a loaded machine than wall time.
$process.Refresh()
Write-Fact 'log-cpu-ms' ($process.TotalProcessorTime - $cpuBefore).TotalMilliseconds
if (Test-Path -LiteralPath $file) {
    Write-Fact 'file-bytes' (Get-Item -LiteralPath $file).Length
    Remove-Item -LiteralPath $file
}
Write-Fact 'memory-peak-kb' (Get-PeakMemoryKilobytes)
