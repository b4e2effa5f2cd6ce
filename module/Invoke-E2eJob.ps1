#Requires -Version 7.4
<#
.SYNOPSIS
    Runs E2E jobs in the cluster and exits with a code a CI system or a runbook can act on: the
    PowerShell counterpart of the guide's scripts/test/run-e2e-job.sh.
.DESCRIPTION
    Imports the E2ePs module this script ships with and runs Invoke-E2eTest for the jobs named by
    -Name, streaming their logs, then exits with:

      0  every run succeeded and no test case failed
      1  a test failed on its own (a non-zero exit, failed cases, its deadline or memory limit)
      2  a test could not run: the image could not be pulled, the pod could not be scheduled, the
         clone failed, the pod was evicted, or the job's definition cannot run
      3  a run timed out (-Timeout) or was cancelled, or the script itself was stopped: Ctrl+C
         (SIGINT) or SIGTERM, which CI systems send when a pipeline is cancelled. Both stop the
         running cmdlets as Ctrl+C does (a build's engine processes and working containers go);
         a second SIGTERM ends the process at once, with 143
      4  E2ePs itself could not do its work: bad input, an unknown job, an unreachable cluster, a
         failed build, a report that cannot be read

    When several runs end differently, the highest code wins. Under Azure DevOps (TF_BUILD) and
    GitHub Actions (GITHUB_ACTIONS) Invoke-E2eTest also writes their logging commands: groups,
    error annotations, the JUnit publish and the task result.
.EXAMPLE
    pwsh -File module/Invoke-E2eJob.ps1 -Name vllm-agent-tools -Namespace swe-ai-fleet

    Runs jobs/test-vllm-agent-tools-e2e from the current repository and streams its log.
.EXAMPLE
    pwsh -File module/Invoke-E2eJob.ps1 -Name orders, payments -Push -RetryCount 2 -Timeout 1800 -ResultPath ./test-results

    Builds and pushes both images, runs both jobs, retries infrastructure failures twice and saves
    TEST-<job>.xml files for the CI system to publish.
#>
[CmdletBinding()]
param(
    # Short names of the jobs (jobs/test-<name>-e2e).
    [Parameter(Mandatory, Position = 0)][string[]] $Name,
    # Root of the repository that holds the jobs; the current location by default.
    [string] $Path = '.',
    # Namespace; the manifest's by default.
    [string] $Namespace,
    # Kubeconfig context; the current one by default.
    [string] $Context,
    # Kubeconfig file(s); KUBECONFIG, then ~/.kube/config, then the in-cluster account by default.
    [string] $Kubeconfig,
    # Seconds one attempt may take; 3600 by default (0: no limit).
    [ValidateRange(0, [int]::MaxValue)][int] $Timeout = 3600,
    # Seconds an image pull may fail before the run counts as failed.
    [ValidateRange(0, 3600)][int] $PullGracePeriod = 0,
    # Seconds an unschedulable pod may wait for a node autoscaler to decide to add a node.
    [ValidateRange(0, 3600)][int] $ScheduleGracePeriod = 120,
    # How many more times to start a run that failed for an infrastructure reason.
    [int] $RetryCount = 0,
    # Infrastructure (the default) or TestFailure, which also retries failed tests.
    [ValidateSet('Infrastructure', 'TestFailure')][string] $RetryOn = 'Infrastructure',
    # Seconds between attempts.
    [ValidateRange(0, 3600)][int] $RetryDelay = 10,
    # How many jobs run at once.
    [ValidateRange(1, 64)][int] $ThrottleLimit = 4,
    # Build each image first; -Push also pushes it and runs it by digest.
    [switch] $Build,
    [switch] $Push,
    # Image and branch instead of the manifest's.
    [string] $Image,
    [string] $Branch,
    # Folder for the TEST-<job>.xml JUnit files.
    [string] $ResultPath,
    # Text or Json log lines; -Timestamps prefixes text lines with the container's time.
    [ValidateSet('Text', 'Json')][string] $LogFormat = 'Text',
    [switch] $Timestamps,
    # Do not stream the logs (the results and the outcome are still reported).
    [switch] $NoLog
)

# Exit codes, from the least to the most serious: the highest one among the runs wins.
$Passed, $TestFailed, $CouldNotRun, $TimedOut, $ToolError = 0, 1, 2, 3, 4

# Every way out of the script that is not a stop sets this first. Ctrl+C (SIGINT) stops the pipeline,
# runs the finally below and, left alone, would end `pwsh -File` with 0 (PowerShell/PowerShell#13523);
# SIGTERM would end the process at once with 143, stopping nothing. Both are a cancelled run: 3.
$finished = $false
try { # to the end of the script

try {
    # module/ sits beside E2ePs.psd1, in the repository and in the packaged module alike.
    Import-Module (Join-Path $PSScriptRoot '..' 'E2ePs.psd1') -ErrorAction Stop
    [E2ePs.Hosting.TerminationSignal]::StopPipelineOnSigterm()
}
catch {
    [Console]::Error.WriteLine("[e2eps] Cannot import E2ePs from '$(Join-Path $PSScriptRoot '..')': $($_.Exception.Message)")
    $finished = $true
    exit $ToolError
}

$invoke = @{
    Name                = $Name
    Path                = $Path
    PullGracePeriod     = $PullGracePeriod
    ScheduleGracePeriod = $ScheduleGracePeriod
    RetryCount          = $RetryCount
    RetryOn             = $RetryOn
    RetryDelay          = $RetryDelay
    ThrottleLimit       = $ThrottleLimit
    LogFormat           = $LogFormat
    ShowLog             = -not $NoLog
    Timestamps          = $Timestamps
    Build               = $Build
    Push                = $Push
}
if ($Timeout -gt 0) { $invoke.Timeout = $Timeout }
foreach ($optional in 'Namespace', 'Context', 'Kubeconfig', 'Image', 'Branch', 'ResultPath') {
    if ($PSBoundParameters.ContainsKey($optional)) { $invoke[$optional] = $PSBoundParameters[$optional] }
}

$failures = @()
try {
    $runs = @(Invoke-E2eTest @invoke -ErrorAction Continue -ErrorVariable +failures)
}
catch {
    # A terminating error: nothing could run (an invalid -RetryCount, an unreadable kubeconfig).
    Write-Host "[e2eps] $($_.Exception.Message)"
    if ($_.ErrorDetails.RecommendedAction) { Write-Host "[e2eps] $($_.ErrorDetails.RecommendedAction)" }
    $finished = $true
    exit $ToolError
}

# Errors that stand for a run's outcome are counted through the run; any other error is E2ePs's own.
$runOutcomes = 'E2eRunFailed', 'E2eRunTimedOut', 'E2eRunCancelled', 'E2eTestsFailed'
$toolErrors = @($failures | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and ($_.FullyQualifiedErrorId -split ',')[0] -notin $runOutcomes })

$code = $Passed
foreach ($run in $runs) {
    $runCode = switch ($run.FailureKind) {
        'None' { $Passed }
        'TestFailure' { $TestFailed }
        { $_ -in 'Infrastructure', 'Configuration' } { $CouldNotRun }
        default { $TimedOut }
    }
    $code = [Math]::Max($code, $runCode)
    Write-Host ("[e2eps] {0}/{1}: {2}{3}{4}" -f $run.Namespace, $run.JobName, $run.Status,
        $(if ($run.TestResult -and $run.TestResult.ReportStatus -eq 'Found') { ", $($run.TestResult.Passed) passed, $($run.TestResult.Failed) failed, $($run.TestResult.Skipped) skipped" }),
        $(if ($run.Attempt -gt 1) { ", attempt $($run.Attempt)" }))
}

if ($toolErrors.Count -gt 0 -or $runs.Count -eq 0) {
    $code = $ToolError
}

Write-Host "[e2eps] $($runs.Count) run(s), $($toolErrors.Count) error(s): exit code $code"
$finished = $true
exit $code

}
finally {
    if (-not $finished) {
        # The pipeline is stopping: the host may no longer write, the error stream still can.
        $termination = 'E2ePs.Hosting.TerminationSignal' -as [type]
        $signal = if ($termination -and $termination::Received) { 'SIGTERM' } else { 'Ctrl+C (SIGINT)' }
        [Console]::Error.WriteLine("[e2eps] Stopped by ${signal}: exit code $TimedOut")
        [Environment]::Exit($TimedOut)
    }
}
