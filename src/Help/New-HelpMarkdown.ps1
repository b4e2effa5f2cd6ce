#Requires -Version 7.4
<#
.SYNOPSIS
    Starts the help file of a new cmdlet: docs/help/<Verb-Noun>.md with its syntax and parameter
    tables taken from the built module.
.DESCRIPTION
    Does what platyPS's New-MarkdownHelp would do, without platyPS: the SYNTAX blocks and the yaml
    table of every parameter are written from the code, and everything a person must write is a
    {{ ... }} placeholder, which Build-Help.ps1 refuses until it is replaced. An existing file is
    never overwritten.
.EXAMPLE
    dotnet publish src/E2ePs -c Release -o bin; ./src/Help/New-HelpMarkdown.ps1 -Name Start-E2eJob
    Writes docs/help/Start-E2eJob.md for the new cmdlet Start-E2eJob.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The cmdlets to start help for; each must be exported by the built module.
    [Parameter(Mandatory)][string[]] $Name,
    # Folder of E2ePs.psd1, with the built module in bin/.
    [string] $ModuleRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path,
    # Folder of the help files.
    [string] $Destination = (Join-Path $ModuleRoot 'docs/help')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
. (Join-Path $PSScriptRoot 'HelpMarkdown.ps1')
. (Join-Path $PSScriptRoot 'CommandSyntax.ps1')

function Format-ParameterSection {
    param([object] $Parameter)
    "### -$($Parameter.Name)"
    ''
    "{{ Say what -$($Parameter.Name) does, its default, and the values it accepts. }}"
    ''
    '```yaml'
    $yaml = Get-ExpectedParameterYaml $Parameter
    foreach ($key in $script:ParameterYamlKeys) {
        $value = if ($key -eq 'Default value') { 'None' } else { $yaml[$key] }
        "${key}: $value".TrimEnd()
    }
    '```'
    ''
}

function Format-HelpMarkdown {
    param([object] $Command)
    '---'
    foreach ($entry in $script:RequiredFrontMatter.GetEnumerator()) { "$($entry.Key): $($entry.Value)" }
    '---'
    ''
    "# $($Command.Name)"
    ''
    '## SYNOPSIS'
    '{{ One sentence: what the cmdlet does. }}'
    ''
    '## SYNTAX'
    ''
    $lines = @(Get-SyntaxLine $Command)
    foreach ($line in $lines) {
        if ($lines.Count -gt 1) { "### $($line.Set)$(if ($line.IsDefault) { ' (Default)' })"; '' }
        '```'
        $line.Text
        '```'
        ''
    }
    '## DESCRIPTION'
    ''
    '{{ What it does, what it needs, what it writes, which errors it reports (with their ids). }}'
    ''
    '## EXAMPLES'
    ''
    foreach ($n in 1, 2) {
        "### Example ${n}: {{ title }}"
        ''
        '```powershell'
        "{{ $($Command.Name) ... }}"
        '```'
        ''
        '{{ What the example does and what it shows. }}'
        ''
    }
    '## PARAMETERS'
    ''
    foreach ($parameter in $Command.Parameters | Sort-Object { $_.Name -in 'WhatIf', 'Confirm' }, Name) { Format-ParameterSection $parameter }
    '### CommonParameters'
    ''
    'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).'
    ''
    '## INPUTS'
    ''
    '### {{ Input type }}'
    ''
    '## OUTPUTS'
    ''
    foreach ($type in @($Command.OutputTypes) + @(if (-not $Command.OutputTypes) { 'None' })) { "### $type"; ''; '{{ What is written, and when. }}'; '' }
    '## NOTES'
    ''
    '{{ Anything else a user must know. }}'
    ''
    '## RELATED LINKS'
    ''
    '[about_E2ePs](about_E2ePs.md)'
}

$commands = Get-CommandMetadata -ModuleManifest (Join-Path $ModuleRoot 'E2ePs.psd1')
foreach ($commandName in $Name) {
    $command = $commands | Where-Object Name -eq $commandName
    if (-not $command) { Write-Error "The built module exports no cmdlet '$commandName'. Add it to CmdletsToExport in E2ePs.psd1 and build first." -ErrorId 'CommandNotExported' -Category ObjectNotFound -TargetObject $commandName; continue }
    $path = Join-Path $Destination "$commandName.md"
    if (Test-Path -LiteralPath $path) { Write-Error "'$path' exists already; it was left as it is." -ErrorId 'HelpFileExists' -Category ResourceExists -TargetObject $path; continue }
    if ($PSCmdlet.ShouldProcess($path, 'Write a help file to fill in')) {
        (Format-HelpMarkdown $command) -join "`n" | Set-Content -LiteralPath $path -Encoding utf8NoBOM
        Get-Item -LiteralPath $path
    }
}
