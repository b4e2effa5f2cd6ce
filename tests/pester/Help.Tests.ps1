#Requires -Version 7.4
<#
    Fails when a cmdlet or parameter of E2ePs lacks real help, after PSScriptAnalyzer's
    Tests/Engine/ModuleHelp.Tests.ps1. It reads help the way a user does, through Get-Help on the
    imported module, so it checks the compiled MAML and about topic, not the markdown.
    Each cmdlet and each parameter is its own test, so a failure names exactly what is missing.
#>

BeforeDiscovery {
    # Discovery runs before BeforeAll, so the data that generates the tests is computed here.
    $repositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $module = Import-Module (Join-Path $repositoryRoot 'E2ePs.psd1') -PassThru -Force -ErrorAction Stop
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    function Test-HiddenParameter {
        # [Parameter(DontShow)]: binding plumbing that help does not show, as Get-Help does not.
        param($Command, [string] $Name)
        [bool]($Command.Parameters[$Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
    }

    $cmdlets = @(foreach ($command in $module.ExportedCmdlets.Values | Sort-Object Name) {
            @{
                Name       = $command.Name
                # WhatIf and Confirm are documented per cmdlet; Verbose, ErrorAction, ... are not.
                Parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common -and -not (Test-HiddenParameter $command $_) } | Sort-Object | ForEach-Object { @{ Command = $command.Name; Parameter = $_ } })
            }
        })
}

BeforeAll {
    $repositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $repositoryRoot 'E2ePs.psd1') -Force -ErrorAction Stop
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    # Wording that describes what the module was or will be rather than what it is: help that says
    # it is stale the day it ships.
    $script:StaleWording = '(?i)\b(planned|once th(ose|ese|is|at)\b.{0,40}\b(exists?|lands?|ships?|are added|is added)|available now|not yet|coming soon|in a future (version|release)|for the time being|will be (added|supported|available))'
}

Describe 'Help of <Name>' -ForEach $cmdlets {
    BeforeAll {
        $commandInfo = Get-Command -Name $Name -Module E2ePs
        $help = Get-Help -Name $Name -Full
    }

    It 'has a synopsis that is not the generated syntax' {
        # Without MAML, Get-Help makes up a synopsis from the syntax, which starts with the name.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis | Should -Not -Match '\[<CommonParameters>\]'
    }

    It 'has a description' {
        ($help.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code' {
        $examples = @($help.Examples.Example | Where-Object { "$($_.Code)".Trim() })
        $examples.Count | Should -BeGreaterOrEqual 2
    }

    It 'names every example and explains what it does' {
        foreach ($example in $help.Examples.Example) {
            $example.Title.Trim('-', ' ') | Should -Not -BeNullOrEmpty
            ($example.Remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.Title.Trim('-', ' '))' should say what it shows"
        }
    }

    It 'documents exactly the parameters of the code' {
        $inCode = @($commandInfo.Parameters.Keys | Where-Object { $_ -notin $common -and -not ($commandInfo.Parameters[$_].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }) } | Sort-Object)
        $inHelp = @($help.Parameters.Parameter.Name | Where-Object { $_ -notin $common } | Sort-Object -Unique)
        # Reported both ways, so the failure says which parameter is missing and which is extra.
        @($inCode | Where-Object { $_ -notin $inHelp }) | Should -BeNullOrEmpty -Because 'every parameter of the code needs help'
        @($inHelp | Where-Object { $_ -notin $inCode }) | Should -BeNullOrEmpty -Because 'help must not document a parameter the code lacks'
    }

    It 'has an online page: its docs/help page in the project repository' {
        # Get-Help -Online opens the cmdlet's HelpUri, or the first link of its help.
        $project = (Import-PowerShellDataFile (Join-Path $repositoryRoot 'E2ePs.psd1')).PrivateData.PSData.ProjectUri
        $commandInfo.HelpUri | Should -Be "$project/blob/main/docs/help/$Name.md"
        Join-Path $repositoryRoot "docs/help/$Name.md" | Should -Exist
        @($help.relatedLinks.navigationLink | Where-Object uri)[0].uri | Should -Be $commandInfo.HelpUri
    }

    It 'describes the module as it is, not as it was or will be' {
        $text = $help | Out-String -Width 200
        $text | Should -Not -Match $StaleWording
    }

    It 'shows the syntax of every parameter set' {
        @($help.Syntax.SyntaxItem).Count | Should -Be @($commandInfo.ParameterSets).Count
    }

    It 'documents <Parameter>' -ForEach $Parameters {
        $parameterHelp = $help.Parameters.Parameter | Where-Object Name -eq $Parameter
        $parameterHelp | Should -Not -BeNullOrEmpty
        ($parameterHelp.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        # Help that says a mandatory parameter is optional (or the reverse) is out of date.
        $mandatory = @($commandInfo.Parameters[$Parameter].ParameterSets.Values | ForEach-Object IsMandatory) -contains $true
        $parameterHelp.Required | Should -Be $mandatory.ToString().ToLowerInvariant()
    }
}

Describe 'about_E2ePs' {
    It 'is found by Get-Help about_E2ePs' {
        $topic = Get-Help about_E2ePs
        $topic | Should -Not -BeNullOrEmpty
        # An about topic comes back as its text; a miss comes back as a search result object.
        "$topic" | Should -Match 'about_E2ePs'
        "$topic" | Should -Match 'SHORT DESCRIPTION'
        "$topic" | Should -Match 'LONG DESCRIPTION'
    }

    It 'describes the module as it is, not as it was or will be' {
        "$(Get-Help about_E2ePs)" | Should -Not -Match $StaleWording
    }

    It 'names every cmdlet of the module under SEE ALSO' {
        $seeAlso = ("$(Get-Help about_E2ePs)" -split 'SEE ALSO')[-1]
        foreach ($name in (Get-Command -Module E2ePs -CommandType Cmdlet).Name) {
            $seeAlso | Should -Match "\b$name\b" -Because "SEE ALSO should list $name"
        }
    }

    It 'pushes the image in every pipeline that builds one and starts it' {
        # Without -Push the cluster pulls the registry's older copy of the tag.
        $pipelines = @("$(Get-Help about_E2ePs)" -split "`n" | Where-Object { $_ -match 'Build-E2eImage\b[^|]*\|\s*(Start-E2eJob|Invoke-E2eTest)' })
        $pipelines | Should -Not -BeNullOrEmpty
        $pipelines | Where-Object { $_ -notmatch 'Build-E2eImage[^|]*-Push' } | Should -BeNullOrEmpty
    }

    It 'keeps every line within 80 columns' {
        $path = Join-Path $repositoryRoot 'en-US/about_E2ePs.help.txt'
        @(Get-Content -LiteralPath $path | Where-Object Length -gt 80) | Should -BeNullOrEmpty
    }
}
