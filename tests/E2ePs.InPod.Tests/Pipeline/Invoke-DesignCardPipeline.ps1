#Requires -Version 7.4
<#
.SYNOPSIS
    The design card's pipeline as a user types it, run by PipelineTests.cs in a fresh pwsh against the
    emulator's real runtime. It scaffolds the jobs with New-E2eJob (all naming one runner image: the
    template's image serves every job, its runner reads E2EPS_TEST_PATH), runs
    Get-E2eJob | Build-E2eImage -Push | Start-E2eJob | Wait-E2eJob | Get-E2eLog on the -BuildJob, then
    the same without the build on the other jobs, reads Get-E2eResult of every run and runs
    Invoke-E2eTest on the -BuildJob, and writes what came back into -Out for the test to compare with
    pytest on the host and with kubectl: summary.json (runs, cases, error records), log.tsv (pod,
    container, line of every Get-E2eLog line) and <job>.report.xml.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $Module,
    # The sample repository's work tree, where New-E2eJob writes the jobs.
    [Parameter(Mandatory)][string] $Repository,
    # [{ name, testPath, repository, branch, secret }]
    [Parameter(Mandatory)][string] $JobsJson,
    # The runner image every job names.
    [Parameter(Mandatory)][string] $Image,
    [Parameter(Mandatory)][string] $Namespace,
    # The template's knobs for a machine behind a mirror (docs/inpod-tests.md).
    [Parameter(Mandatory)][string] $BuildArgsJson,
    # The job whose image the pipeline builds and pushes, and that Invoke-E2eTest runs once more.
    [Parameter(Mandatory)][string] $BuildJob,
    [Parameter(Mandatory)][string] $Out
)

$ErrorActionPreference = 'Stop'
Import-Module $Module
Set-Location -LiteralPath $Repository

foreach ($job in (ConvertFrom-Json $JobsJson)) {
    $options = @{ Name = $job.name; TestPath = $job.testPath; Repository = $job.repository; Branch = $job.branch; Image = $Image; Namespace = $Namespace }
    if ($job.secret) { $options.GitCredentialSecret = $job.secret }
    New-E2eJob @options | Out-Null
}

function ConvertTo-ErrorView($record) {
    $target = $record.TargetObject
    [ordered]@{
        id                = $record.FullyQualifiedErrorId
        category          = "$($record.CategoryInfo.Category)"
        target            = if ($target -and $target.PSObject.Properties['Name']) { $target.Name } else { "$target" }
        message           = $record.Exception.Message
        recommendedAction = $record.ErrorDetails?.RecommendedAction
    }
}

function ConvertTo-RunView($run, $result, [string] $reportFile) {
    [ordered]@{
        name         = $run.Name
        jobName      = $run.JobName
        uid          = $run.Uid
        status       = "$($run.Status)"
        reason       = $run.Reason
        message      = $run.Message
        exitCode     = $run.ExitCode
        failureKind  = "$($run.FailureKind)"
        podNames     = @($run.PodNames)
        reportStatus = if ($result) { "$($result.ReportStatus)" } else { $null }
        reportFile   = $reportFile
        cases        = @(if ($result) {
                foreach ($case in $result.Cases) {
                    [ordered]@{ className = $case.ClassName; name = $case.Name; outcome = "$($case.Outcome)"; message = $case.FailureMessage }
                }
            })
    }
}

function Save-Report($result, [string] $file) {
    if ($result -and $result.Report) {
        [IO.File]::WriteAllBytes((Join-Path $Out $file), $result.Report)
        return $file
    }
    $null
}

# The pipeline, one line as on the design card. Each log line goes to a file as it comes (50 MB of
# output must not be held in memory); failed runs write their error record and go on down the pipeline.
$runs = [Collections.Generic.List[object]]::new()
$waitErrors = [Collections.Generic.List[object]]::new()
$logErrors = [Collections.Generic.List[object]]::new()
$resultErrors = [Collections.Generic.List[object]]::new()
$invokeErrors = [Collections.Generic.List[object]]::new()
$log = [IO.StreamWriter]::new((Join-Path $Out 'log.tsv'), $false, [Text.UTF8Encoding]::new($false))
$buildArgs = ConvertFrom-Json $BuildArgsJson -AsHashtable
$writeLine = { process { $log.Write("$($_.Pod)`t$($_.Container)`t$($_.Message)`n") } }
$others = @(Get-E2eJob | Where-Object Name -NE $BuildJob | ForEach-Object Name)
try {
    Get-E2eJob $BuildJob | Build-E2eImage -Push -SkipTlsVerify -BuildArg $buildArgs | Start-E2eJob |
        Wait-E2eJob -Timeout 900 -OutVariable +runs -ErrorVariable +waitErrors -ErrorAction Continue |
        Get-E2eLog -ErrorVariable +logErrors -ErrorAction Continue | & $writeLine

    # The image is in the registry now; the other jobs run it as they are (several runs at once).
    Get-E2eJob $others | Start-E2eJob |
        Wait-E2eJob -Timeout 900 -OutVariable +runs -ErrorVariable +waitErrors -ErrorAction Continue |
        Get-E2eLog -ErrorVariable +logErrors -ErrorAction Continue | & $writeLine
}
finally {
    $log.Dispose()
}

$views = foreach ($run in $runs) {
    $result = $run | Get-E2eResult -Summary -ErrorAction Continue -ErrorVariable +resultErrors
    ConvertTo-RunView $run $result (Save-Report $result "$($run.Name).report.xml")
}

# The whole flow in one command, on a job the pipeline ran: start to verdict and results.
$clock = [Diagnostics.Stopwatch]::StartNew()
$invoked = Invoke-E2eTest -Name $BuildJob -Timeout 900 -ErrorAction Continue -ErrorVariable +invokeErrors
$invokeSeconds = $clock.Elapsed.TotalSeconds

[ordered]@{
    runs          = @($views)
    waitErrors    = @($waitErrors | ForEach-Object { ConvertTo-ErrorView $_ })
    logErrors     = @($logErrors | ForEach-Object { ConvertTo-ErrorView $_ })
    resultErrors  = @($resultErrors | ForEach-Object { ConvertTo-ErrorView $_ })
    invoke        = ConvertTo-RunView $invoked $invoked.TestResult (Save-Report $invoked.TestResult "invoke-$BuildJob.report.xml")
    invokeErrors  = @($invokeErrors | ForEach-Object { ConvertTo-ErrorView $_ })
    invokeSeconds = $invokeSeconds
} | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath (Join-Path $Out 'summary.json') -Encoding utf8NoBOM
