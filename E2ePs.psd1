@{
    RootModule           = 'bin/E2ePs.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '73806638-f58b-49f7-88e3-3fa4dd6d2c32'
    Author               = 'E2ePs contributors'
    CompanyName          = 'E2ePs'
    Copyright            = '(c) 2026 E2ePs contributors. MIT License.'
    Description          = 'Runs a repository''s end-to-end tests as Kubernetes Jobs inside the cluster, where they reach *.svc.cluster.local services directly: scaffold, build, start, wait, stream logs and troubleshoot, with objects that pipe together. Requires PowerShell 7.4 or later; Windows PowerShell 5.1 is not supported.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('module/E2ePs.Format.ps1xml')
    # No TypesToProcess while module/E2ePs.Types.ps1xml is empty: PowerShell binds a manifest's types files
    # into the session's type table at import, empty or not (tens of ms for nothing). List it here again
    # with its first member; LoadContext.Tests.ps1 fails until then.
    # Exports $E2ePsInvokeJob, the path of module/Invoke-E2eJob.ps1, for CI steps.
    NestedModules        = @('module/E2ePs.Scripts.psm1')
    CmdletsToExport      = @(
        'New-E2eJob'
        'Get-E2eJob'
        'Build-E2eImage'
        'Start-E2eJob'
        'Wait-E2eJob'
        'Get-E2eRun'
        'Get-E2eLog'
        'Remove-E2eJob'
        'Test-E2eDns'
        'Get-E2eDiagnostic'
        'Invoke-E2eTest'
        'Get-E2eResult'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @('E2ePsInvokeJob')
    PrivateData          = @{
        PSData = @{
            Tags         = @('Kubernetes', 'E2E', 'Testing', 'Jobs', 'CI', 'AzureDevOps', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://github.com/e2eps/E2ePs/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/e2eps/E2ePs'
            ReleaseNotes = 'See https://github.com/e2eps/E2ePs/blob/main/CHANGELOG.md'
        }
    }
}
