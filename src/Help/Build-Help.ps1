#Requires -Version 7.4
<#
.SYNOPSIS
    Compiles E2ePs's markdown help into the files Get-Help reads.
.DESCRIPTION
    Converts every <Source>/<Verb-Noun>.md (platyPS markdown schema 2.0.0) into one MAML file,
    E2ePs.dll-Help.xml, written to <ModuleRoot>/en-US and <ModuleRoot>/bin/en-US, and every
    about_*.md in the folder above <Source> into <ModuleRoot>/en-US/about_*.help.txt.

    The syntax and the parameter metadata in the MAML come from the built module itself (imported
    in a child pwsh process), not from the markdown, so the help can never disagree with the code.
    The markdown's ## SYNTAX blocks and parameter yaml tables are checked against the code too, so
    the files people read on GitHub stay true as well.

    The build fails with one message that lists every problem of every file: a cmdlet without a help
    file, a help file without a cmdlet, a missing section, an undocumented or unknown parameter, a
    syntax block or yaml value that is out of date, a placeholder ({{ ... }}) left in.
.EXAMPLE
    ./src/Help/Build-Help.ps1 -Source docs/help -ModuleRoot .
    Compiles the help after `dotnet publish src/E2ePs -o bin`; build.ps1 runs it on every build.
#>
[CmdletBinding()]
param(
    # Folder of the <Verb-Noun>.md files.
    [Parameter(Mandatory)][string] $Source,
    # Folder of E2ePs.psd1, with the built module in bin/.
    [Parameter(Mandatory)][string] $ModuleRoot,
    # Folder of the about_*.md files; the folder above -Source by default (docs/).
    [string] $AboutSource = (Split-Path -Parent $Source)
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
. (Join-Path $PSScriptRoot 'HelpMarkdown.ps1')
. (Join-Path $PSScriptRoot 'CommandSyntax.ps1')
. (Join-Path $PSScriptRoot 'HelpMaml.ps1')
. (Join-Path $PSScriptRoot 'AboutTopic.ps1')

$culture = 'en-US'
$manifest = Join-Path $ModuleRoot 'E2ePs.psd1'
# Get-Help looks for a cmdlet's help file (E2ePs.dll-Help.xml) in the culture folder of the module's
# base: <ModuleRoot>/en-US when the module is imported by E2ePs.psd1, bin/en-US when someone imports
# bin/E2ePs.dll directly. The same file goes to both, so help works either way.
$mamlPaths = (Join-Path $ModuleRoot "$culture/E2ePs.dll-Help.xml"), (Join-Path $ModuleRoot "bin/$culture/E2ePs.dll-Help.xml")
# About topics are found in the culture folder of the module's base (where the .psd1 is).
$aboutFolder = Join-Path $ModuleRoot $culture

function Read-CommandHelp {
    # Pairs every exported cmdlet with its help file; returns the pairs and the problems found.
    param([object[]] $Commands)
    $problems = [System.Collections.Generic.List[string]]::new()
    $pairs = [System.Collections.Generic.List[object]]::new()
    $files = @{}
    foreach ($file in Get-ChildItem -LiteralPath $Source -Filter '*-*.md' -File) { $files[$file.BaseName] = $file }

    foreach ($command in $Commands) {
        $file = $files[$command.Name]
        if (-not $file) {
            $problems.Add("$($command.Name): no help file. Write $(Join-Path $Source "$($command.Name).md") (start it with src/Help/New-HelpMarkdown.ps1 -Name $($command.Name)).")
            continue
        }
        try {
            $help = Read-HelpMarkdown -Path $file.FullName
            if ($help.Name -ne $command.Name) { throw [HelpFormatException]::new("its title is '# $($help.Name)'; it must be '# $($command.Name)'") }
            $mismatches = @(Compare-HelpWithCode $help $command)
            if ($mismatches) { throw [HelpFormatException]::new("it disagrees with the code:`n    " + ($mismatches -join "`n    ")) }
            $pairs.Add([pscustomobject]@{ Help = $help; Command = $command })
        }
        catch [HelpFormatException] {
            $problems.Add("$($file.FullName): $($_.Exception.Message)")
        }
    }
    foreach ($name in $files.Keys | Where-Object { $_ -notin $Commands.Name }) {
        $problems.Add("$($files[$name].FullName): E2ePs exports no cmdlet '$name'. Rename or remove the file, or export the cmdlet in E2ePs.psd1.")
    }
    [pscustomobject]@{ Pairs = $pairs; Problems = $problems }
}

function Write-AboutTopic {
    # Converts the about_*.md files; returns the problems found.
    $problems = [System.Collections.Generic.List[string]]::new()
    $null = New-Item -ItemType Directory -Path $aboutFolder -Force
    foreach ($file in Get-ChildItem -LiteralPath $AboutSource -Filter 'about_*.md' -File) {
        try {
            $text = ConvertTo-AboutTopic -Path $file.FullName
            [IO.File]::WriteAllText((Join-Path $aboutFolder "$($file.BaseName).help.txt"), $text, [System.Text.UTF8Encoding]::new($false))
        }
        catch [HelpFormatException] {
            $problems.Add("$($file.FullName): $($_.Exception.Message)")
        }
    }
    $problems
}

$started = [Diagnostics.Stopwatch]::StartNew()
$commands = Get-CommandMetadata -ModuleManifest $manifest
$result = Read-CommandHelp $commands
$problems = @($result.Problems) + @(Write-AboutTopic)
if ($problems) {
    throw "The help of E2ePs is incomplete or malformed ($($problems.Count) problem(s)); see docs/help/README.md:`n  " + ($problems -join "`n  ")
}
Write-MamlFile -Path $mamlPaths[0] -Pairs $result.Pairs
$null = New-Item -ItemType Directory -Path (Split-Path $mamlPaths[1]) -Force
Copy-Item -LiteralPath $mamlPaths[0] -Destination $mamlPaths[1] -Force
Write-Verbose "Compiled help for $($result.Pairs.Count) cmdlet(s) into $($mamlPaths -join ' and ') in $([int]$started.Elapsed.TotalMilliseconds) ms."
