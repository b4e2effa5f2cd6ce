#Requires -Version 7.4
#Requires -Modules E2ePs
<#
.SYNOPSIS
    Runbook: checks a deployment by running its E2E jobs inside the cluster, and says what failed.
.DESCRIPTION
    Meant for an ops runbook (Azure Automation with a Hybrid Worker, a cron job, an on-call script)
    run after a deployment. It works with objects rather than with log text: Invoke-E2eTest returns
    one E2eRun per job, with its status, why it failed (FailureKind) and its test cases
    (TestResult). The logs go to a JSON-lines file for the log collector; the JUnit reports are
    kept in -ResultPath. Exits 0 when every job passed, 1 otherwise.
.EXAMPLE
    ./Invoke-E2eRunbook.ps1 -Repository /srv/shop -Namespace shop-e2e -Context prod-westeurope

    Runs every E2E job of /srv/shop against the prod-westeurope cluster and prints a summary.
#>
[CmdletBinding()]
param(
    # Checkout of the repository that holds jobs/ and deploy/k8s/.
    [Parameter(Mandatory)][string] $Repository,
    # Namespace to run the jobs in.
    [Parameter(Mandatory)][string] $Namespace,
    # Kubeconfig context of the cluster to check; the current one by default.
    [string] $Context,
    # Only these jobs; all of the repository by default.
    [string[]] $Name = '*',
    # Where the JUnit reports and the JSON log go.
    [string] $ResultPath = (Join-Path ([IO.Path]::GetTempPath()) "e2e-$(Get-Date -Format yyyyMMdd-HHmmss)")
)

$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Path $ResultPath -Force | Out-Null
$connection = @{ Namespace = $Namespace }
if ($Context) { $connection.Context = $Context }

# Log lines as JSON objects (stream 6, the host) into a file a log collector tails; runs as objects.
$logFile = Join-Path $ResultPath 'e2e-log.jsonl'
$runs = Get-E2eJob -Path $Repository -Name $Name |
    Invoke-E2eTest @connection -RetryCount 2 -Timeout 1800 -ShowLog -LogFormat Json -ResultPath $ResultPath `
        -ErrorAction SilentlyContinue -ErrorVariable problems 6>> $logFile

foreach ($run in $runs) {
    $counts = if ($run.TestResult.ReportStatus -eq 'Found') { "$($run.TestResult.Passed) passed, $($run.TestResult.Failed) failed, $($run.TestResult.Skipped) skipped" } elseif ($run.TestResult) { "no test results ($($run.TestResult.ReportStatus) report)" } else { 'the test never ran' }
    Write-Output ("{0,-40} {1,-10} {2,-15} {3}" -f $run.JobName, $run.Status, $run.FailureKind, $counts)
    if ($run.Attempt -gt 1) { Write-Output "    passed or failed on attempt $($run.Attempt): the first attempt(s) hit the infrastructure" }
    foreach ($case in $run.TestResult.Cases | Where-Object Outcome -eq Failed) {
        Write-Output "    FAILED $($case.FullName): $($case.FailureMessage)"
    }
}

# Errors that are not a run's outcome (a job that could not start, a report that could not be read).
foreach ($problem in $problems | Where-Object { $_.FullyQualifiedErrorId -notmatch '^E2e(Run|Tests)' }) {
    Write-Output "ERROR $($problem.FullyQualifiedErrorId): $($problem.Exception.Message)"
}

Write-Output "JUnit reports and log: $ResultPath"
$failed = @($runs | Where-Object { $_.FailureKind -ne 'None' }).Count + @($problems | Where-Object { $_.FullyQualifiedErrorId -notmatch '^E2e(Run|Tests)' }).Count
exit ([int]($failed -gt 0 -or @($runs).Count -eq 0))
