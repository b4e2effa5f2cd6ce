#Requires -Version 7.4
<#
.SYNOPSIS
    Imports a module and writes the metadata of its exported cmdlets as JSON.
.DESCRIPTION
    Build-Help.ps1 runs this script in a child pwsh process, so that the cmdlet assembly is loaded
    there and never into the build's own process (a loaded DLL cannot be replaced or, on Windows,
    deleted by the next build). The syntax and parameter tables of the help come from here, from the
    compiled code, so the help can never disagree with it.
#>
param(
    [Parameter(Mandatory)][string] $ModuleManifest
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# An import error is quoted in the build's error message: no colour escape codes in it.
$PSStyle.OutputRendering = 'PlainText'

# Verbose, ErrorAction, ...: documented once by about_CommonParameters, never per cmdlet.
# WhatIf and Confirm are not in this set: each cmdlet documents them, as platyPS does.
$ubiquitous = [System.Management.Automation.Cmdlet]::CommonParameters

function Test-Hidden {
    # [Parameter(DontShow)]: binding plumbing (a piped item's PSIsContainer), not for a user to type.
    param([System.Collections.Generic.IEnumerable[System.Attribute]] $Attributes)
    [bool]($Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
}

function Get-TypeName {
    # Int32 for int and int? alike: the help shows what a user types, not how the code stores it.
    param([type] $Type)
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    [pscustomobject]@{ Short = $Type.Name; Full = $Type.FullName }
}

function Get-ParameterMetadata {
    param([System.Management.Automation.CommandInfo] $Command, [string] $Name)
    $parameter = $Command.Parameters[$Name]
    $type = Get-TypeName $parameter.ParameterType
    [pscustomobject]@{
        Name              = $Name
        Type              = $type.Short
        FullType          = $type.Full
        IsSwitch          = $parameter.SwitchParameter
        Aliases           = @($parameter.Aliases)
        SupportsWildcards = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        Sets              = @(foreach ($set in $parameter.ParameterSets.GetEnumerator()) {
                [pscustomobject]@{
                    Set            = $set.Key
                    Mandatory      = $set.Value.IsMandatory
                    Position       = $set.Value.Position
                    ByValue        = $set.Value.ValueFromPipeline
                    ByPropertyName = $set.Value.ValueFromPipelineByPropertyName
                }
            })
    }
}

function Get-ParameterSetMetadata {
    # Parameters in the order Get-Command's syntax shows them: positional ones by position, then the
    # rest in declaration order.
    param([System.Management.Automation.CommandParameterSetInfo] $Set)
    $parameters = @($Set.Parameters | Where-Object { $_.Name -notin $ubiquitous -and -not (Test-Hidden $_.Attributes) })
    $ordered = for ($i = 0; $i -lt $parameters.Count; $i++) {
        $position = if ($parameters[$i].Position -ge 0) { $parameters[$i].Position } else { [int]::MaxValue }
        [pscustomobject]@{ Name = $parameters[$i].Name; Position = $position; Index = $i }
    }
    [pscustomobject]@{
        Name       = $Set.Name
        IsDefault  = $Set.IsDefault
        Parameters = @($ordered | Sort-Object Position, Index | ForEach-Object Name)
    }
}

$module = Import-Module $ModuleManifest -PassThru -Force
$commands = foreach ($command in $module.ExportedCmdlets.Values | Sort-Object Name) {
    [pscustomobject]@{
        Name                = $command.Name
        Verb                = $command.Verb
        Noun                = $command.Noun
        DefaultParameterSet = $command.DefaultParameterSet
        HelpUri             = $command.HelpUri
        OutputTypes         = @($command.OutputType | ForEach-Object Name)
        ParameterSets       = @($command.ParameterSets | ForEach-Object { Get-ParameterSetMetadata $_ })
        Parameters          = @($command.Parameters.Keys | Where-Object { $_ -notin $ubiquitous -and -not (Test-Hidden $command.Parameters[$_].Attributes) } | ForEach-Object { Get-ParameterMetadata $command $_ })
    }
}
ConvertTo-Json -InputObject @($commands) -Depth 8 -Compress
