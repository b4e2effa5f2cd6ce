# The scripts E2ePs ships, by name, for CI steps that run them from an installed module:
#   pwsh -Command 'Import-Module E2ePs; & $E2ePsInvokeJob -Name api -Namespace e2e; exit $LASTEXITCODE'
# A binary module cannot export a variable; this nested script module does it for E2ePs.dll.

# module/Invoke-E2eJob.ps1: runs jobs with Invoke-E2eTest and exits 0 to 4 (see its help).
# [IO.Path]::Combine, not Join-Path: a command from Microsoft.PowerShell.Management here would make every
# Import-Module E2ePs auto-load that module too (in a `pwsh -File` or CI session it is not loaded yet),
# which was about a third of what this nested module cost at import. LoadContext.Tests.ps1 checks it.
$E2ePsInvokeJob = [IO.Path]::Combine($PSScriptRoot, 'Invoke-E2eJob.ps1')

Export-ModuleMember -Variable E2ePsInvokeJob
