# What the code says about a cmdlet (from Get-CommandMetadata.ps1), written the way platyPS writes it
# in markdown, so a help file can be checked against the code and a new one can be started from it.
# Dot-sourced by Build-Help.ps1 and New-HelpMarkdown.ps1.

Set-StrictMode -Version Latest

function Get-CommandMetadata {
    <#
        Imports the module in a child pwsh process and returns its exported cmdlets. A child process,
        because an assembly loaded into the build's process stays loaded and would mask the next build.
    #>
    param([Parameter(Mandatory)][string] $ModuleManifest)
    # Under 'dotnet pwsh' (a local tool) the process is dotnet itself and pwsh is the pwsh.dll beside $PSHOME.
    $process = [Environment]::ProcessPath
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $json = & $process @prefix -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Get-CommandMetadata.ps1') -ModuleManifest $ModuleManifest 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "Importing '$ModuleManifest' to read its cmdlets failed (exit code $LASTEXITCODE): $($json -join [Environment]::NewLine)"
    }
    @(($json -join '') | ConvertFrom-Json)
}

function Get-SetMetadata {
    # How a parameter behaves in one parameter set; a parameter in every set has one entry, '__AllParameterSets'.
    param([object] $Parameter, [string] $SetName)
    $Parameter.Sets | Where-Object { $_.Set -eq $SetName -or $_.Set -eq '__AllParameterSets' } | Select-Object -First 1
}

function Format-SyntaxParameter {
    # One parameter in a syntax line: [-Name] <String>, [[-Name] <String[]>], -Name <String>, [-Force].
    param([object] $Parameter, [object] $InSet)
    $text = if ($InSet.Position -ge 0) { "[-$($Parameter.Name)]" } else { "-$($Parameter.Name)" }
    if (-not $Parameter.IsSwitch) { $text += " <$($Parameter.Type)>" }
    if ($InSet.Mandatory) { $text } else { "[$text]" }
}

function Get-SyntaxLine {
    # One line per parameter set, as platyPS writes them under ## SYNTAX; the default set first.
    param([object] $Command)
    $parameters = @{}
    foreach ($parameter in $Command.Parameters) { $parameters[$parameter.Name] = $parameter }
    foreach ($set in @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $words = foreach ($name in $set.Parameters) { Format-SyntaxParameter $parameters[$name] (Get-SetMetadata $parameters[$name] $set.Name) }
        [pscustomobject]@{ Set = $set.Name; IsDefault = $set.IsDefault; Text = "$($Command.Name) $((@($words) + '[<CommonParameters>]') -join ' ')" }
    }
}

function Format-PipelineInput {
    # 'True (ByValue, ByPropertyName)', 'True (ByPropertyName)' or 'False', as Get-Help and platyPS show it.
    param([object] $InSet)
    $kinds = @(if ($InSet.ByValue) { 'ByValue' }; if ($InSet.ByPropertyName) { 'ByPropertyName' })
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Format-PerSet {
    # A value that is the same in every set is written once; else 'True (SetA), False (SetB)'.
    param([object] $Parameter, [scriptblock] $Value)
    $values = @($Parameter.Sets | ForEach-Object { [pscustomobject]@{ Set = $_.Set; Value = (& $Value $_) } })
    if (@($values.Value | Select-Object -Unique).Count -eq 1) { return [string]$values[0].Value }
    ($values | ForEach-Object { "$($_.Value) ($($_.Set))" }) -join ', '
}

function Get-ExpectedParameterYaml {
    # The yaml table of a parameter as the code defines it; 'Default value' is the author's to write.
    param([object] $Parameter)
    $sets = @($Parameter.Sets | ForEach-Object Set)
    [ordered]@{
        'Type'                       = $Parameter.Type
        'Parameter Sets'             = if ($sets -contains '__AllParameterSets') { '(All)' } else { $sets -join ', ' }
        'Aliases'                    = $Parameter.Aliases -join ', '
        'Required'                   = Format-PerSet $Parameter { param($s) if ($s.Mandatory) { 'True' } else { 'False' } }
        'Position'                   = Format-PerSet $Parameter { param($s) if ($s.Position -ge 0) { [string]$s.Position } else { 'Named' } }
        'Accept pipeline input'      = Format-PerSet $Parameter { param($s) Format-PipelineInput $s }
        'Accept wildcard characters' = if ($Parameter.SupportsWildcards) { 'True' } else { 'False' }
    }
}

function Compare-HelpWithCode {
    <#
        The ways a help file disagrees with its cmdlet: a parameter missing or extra, a yaml value
        that differs, a syntax block that is out of date. Each message says what to write instead.
    #>
    param([object] $Help, [object] $Command)
    $normalize = { param($s) ($s -replace '\s+', ' ').Trim() }
    $expectedSyntax = @(Get-SyntaxLine $Command)
    $written = @($Help.Syntax | ForEach-Object { & $normalize $_ })
    foreach ($line in $expectedSyntax) {
        if ($written -notcontains (& $normalize $line.Text)) { "## SYNTAX lacks, or has out of date, the block: $($line.Text)" }
    }
    foreach ($line in $written) {
        if (@($expectedSyntax.Text | ForEach-Object { & $normalize $_ }) -notcontains $line) { "## SYNTAX has a block the code does not produce: $line" }
    }

    $documented = @{}
    foreach ($parameter in $Help.Parameters) { $documented[$parameter.Name] = $parameter }
    foreach ($parameter in $Command.Parameters) {
        if (-not $documented.ContainsKey($parameter.Name)) { "## PARAMETERS lacks '### -$($parameter.Name)'"; continue }
        $written = $documented[$parameter.Name]
        if ($written.Name -cne $parameter.Name) { "'### -$($written.Name)' must be spelt '### -$($parameter.Name)'" }
        if (-not $written.Description) { "-$($parameter.Name) has no description" }
        foreach ($entry in (Get-ExpectedParameterYaml $parameter).GetEnumerator()) {
            if ((& $normalize $written.Yaml[$entry.Key]) -ne $entry.Value) {
                "-$($parameter.Name): '$($entry.Key): $($written.Yaml[$entry.Key])' should be '$($entry.Key): $($entry.Value)'"
            }
        }
    }
    foreach ($name in $documented.Keys) {
        if ($name -notin $Command.Parameters.Name) { "'### -$name' documents a parameter the cmdlet does not have" }
    }
}
