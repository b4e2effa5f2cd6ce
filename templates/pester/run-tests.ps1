#Requires -Version 7.4
<#
.SYNOPSIS
    Runs one E2ePs Pester job inside the cluster.
.DESCRIPTION
    E2EPS_TEST_PATH names the tests: a path, or a path and a full-name filter separated by '::'.
    The JUnit report goes to the log between marker lines, gzip-compressed and base64-encoded, so
    that it survives the pod: Get-E2eResult reads it back from the log.
#>
$ErrorActionPreference = 'Stop'

$testPath = "$env:E2EPS_TEST_PATH".Trim()
if (-not $testPath) {
    Write-Host '[e2eps] E2EPS_TEST_PATH is not set: the Job manifest names the tests to run'
    exit 2
}

$path, $filter = $testPath -split '::', 2
$configuration = New-PesterConfiguration
$configuration.Run.Path = $path
$configuration.Run.Exit = $false
# -PassThru belongs to Invoke-Pester's legacy parameter set; with -Configuration it is this setting.
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
# A pod's log is no terminal, but Pester's 'Auto' mode and PowerShell's error view still write colour
# escapes when the output is redirected; they would fill Get-E2eLog's output and CI logs.
$configuration.Output.RenderMode = 'Plaintext'
$PSStyle.OutputRendering = 'PlainText'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'JUnitXml'
$configuration.TestResult.OutputPath = '/tmp/e2eps-junit.xml'
if ($filter) { $configuration.Filter.FullName = $filter }

Write-Host "[e2eps] Running Pester $testPath"
$result = Invoke-Pester -Configuration $configuration

if (Test-Path /tmp/e2eps-junit.xml) {
    $bytes = [IO.File]::ReadAllBytes('/tmp/e2eps-junit.xml')
    $buffer = [IO.MemoryStream]::new()
    $gzip = [IO.Compression.GZipStream]::new($buffer, [IO.Compression.CompressionLevel]::Optimal)
    $gzip.Write($bytes, 0, $bytes.Length)
    $gzip.Dispose()
    $encoded = [Convert]::ToBase64String($buffer.ToArray())
    Write-Host '----- BEGIN E2EPS JUNIT (gzip+base64) -----'
    for ($i = 0; $i -lt $encoded.Length; $i += 76) {
        Write-Host $encoded.Substring($i, [Math]::Min(76, $encoded.Length - $i))
    }
    Write-Host '----- END E2EPS JUNIT -----'
}

$exitCode = if ($result.FailedCount -gt 0 -or $result.Result -ne 'Passed') { 1 } else { 0 }
Write-Host "[e2eps] Pester finished: $($result.PassedCount) passed, $($result.FailedCount) failed"
exit $exitCode
