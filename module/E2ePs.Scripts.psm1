# The scripts E2ePs ships, by name, for CI steps that run them from an installed module:
#   pwsh -Command 'Import-Module E2ePs; & $E2ePsInvokeJob -Name api -Namespace e2e; exit $LASTEXITCODE'
# A binary module cannot export a variable; this nested script module does it for E2ePs.dll.

# module/Invoke-E2eJob.ps1: runs jobs with Invoke-E2eTest and exits 0 to 4 (see its help).
$E2ePsInvokeJob = Join-Path $PSScriptRoot 'Invoke-E2eJob.ps1'

Export-ModuleMember -Variable E2ePsInvokeJob
