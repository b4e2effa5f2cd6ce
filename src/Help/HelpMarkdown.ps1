# Reading help markdown (platyPS schema 2.0.0) into plain objects, and turning markdown text into the
# plain text that Get-Help prints. Dot-sourced by Build-Help.ps1 and New-HelpMarkdown.ps1.

Set-StrictMode -Version Latest

# The front matter every cmdlet help file carries, as platyPS writes it.
$script:RequiredFrontMatter = [ordered]@{
    'external help file' = 'E2ePs.dll-Help.xml'
    'Module Name'        = 'E2ePs'
    'schema'             = '2.0.0'
}

# The sections of a cmdlet help file, in order. SYNTAX is checked against the code; the others become MAML.
$script:RequiredSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'

# The keys of the yaml block under each parameter, as platyPS writes them.
$script:ParameterYamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'

class HelpFormatException : System.Exception {
    # A malformed help file: the message names the file, and the line when there is one.
    HelpFormatException([string] $message) : base($message) {}
}

function Split-MarkdownSection {
    <#
        Splits markdown lines into headings of one level and the lines under each. Lines inside
        code fences are never headings: '# comment' in a PowerShell example must stay code.
    #>
    param([string[]] $Lines, [int] $Level)
    $prefix = ('#' * $Level) + ' '
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Title = $null; Lines = [System.Collections.Generic.List[string]]::new() }
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($prefix)) {
            $sections.Add($current)
            $current = [pscustomobject]@{ Title = $line.Substring($prefix.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        $current.Lines.Add($line)
    }
    $sections.Add($current)
    # The first entry holds what comes before the first heading.
    [pscustomobject]@{ Preamble = $sections[0].Lines; Sections = @($sections | Select-Object -Skip 1) }
}

function Split-MarkdownBlock {
    <#
        Splits lines into blocks: Paragraph (soft-wrapped lines joined), ListItem, Table (lines kept)
        and Code (lines kept, with the fence's language). Enough markdown for help text, no more.
    #>
    param([string[]] $Lines)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $pending = $null
    $fence = $null
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```\s*$') { $blocks.Add($fence); $fence = $null } else { $fence.Lines.Add($line) }
            continue
        }
        if ($line -match '^\s*```\s*(?<language>[\w-]*)') {
            if ($pending) { $blocks.Add($pending); $pending = $null }
            $fence = [pscustomobject]@{ Kind = 'Code'; Language = $Matches.language; Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        if ($line -match '^\s*$') {
            if ($pending) { $blocks.Add($pending); $pending = $null }
            continue
        }
        $kind = if ($line -match '^\s*([-*+]|\d+\.)\s+') { 'ListItem' } elseif ($line -match '^\s*\|') { 'Table' } else { 'Paragraph' }
        $continues = $pending -and ($kind -eq 'Paragraph' -or ($kind -eq 'Table' -and $pending.Kind -eq 'Table')) -and $pending.Kind -ne 'Code'
        if (-not $continues) {
            if ($pending) { $blocks.Add($pending) }
            $pending = [pscustomobject]@{ Kind = $kind; Language = $null; Lines = [System.Collections.Generic.List[string]]::new() }
        }
        $pending.Lines.Add($line)
    }
    if ($null -ne $fence) { throw [HelpFormatException]::new('a code fence (```) is never closed') }
    if ($pending) { $blocks.Add($pending) }
    $blocks.ToArray()
}

function ConvertTo-PlainText {
    <#
        Markdown inline syntax to the plain text Get-Help prints: `code` and **bold** lose their
        marks, [text](url) becomes "text (url)", backslash escapes lose the backslash.
    #>
    param([string] $Text)
    $Text = $Text -replace '\[([^\]]+)\]\(([^)\s]+)\)', { if ($_.Groups[1].Value -eq $_.Groups[2].Value) { $_.Groups[1].Value } else { "$($_.Groups[1].Value) ($($_.Groups[2].Value))" } }
    $Text = $Text -replace '`([^`]+)`', '$1'
    $Text = $Text -replace '\*\*([^*]+)\*\*', '$1'
    $Text -replace '\\([\\`*_{}\[\]()#+\-.!<>|])', '$1'
}

function Get-BlockText {
    # The plain text of one block: paragraphs joined into one line, lists and code kept line by line.
    param([object] $Block)
    switch ($Block.Kind) {
        'Paragraph' { ConvertTo-PlainText (($Block.Lines | ForEach-Object Trim) -join ' ') }
        'ListItem' { ConvertTo-PlainText ((($Block.Lines | ForEach-Object Trim) -join ' ') -replace '^([-*+])\s+', '- ') }
        'Table' { ($Block.Lines | ForEach-Object TrimEnd) -join "`n" }
        'Code' { ($Block.Lines | ForEach-Object TrimEnd) -join "`n" }
    }
}

function Read-FrontMatter {
    # The 'key: value' lines between the two '---' lines at the top of the file.
    param([string[]] $Lines)
    if ($Lines.Count -lt 2 -or $Lines[0].Trim() -ne '---') {
        throw [HelpFormatException]::new("it must start with YAML front matter between '---' lines ($(($script:RequiredFrontMatter.GetEnumerator() | ForEach-Object { "$($_.Key): $($_.Value)" }) -join '; '))")
    }
    $end = 1
    while ($end -lt $Lines.Count -and $Lines[$end].Trim() -ne '---') { $end++ }
    if ($end -ge $Lines.Count) { throw [HelpFormatException]::new("the front matter has no closing '---' line") }
    $values = @{}
    foreach ($line in $Lines[1..($end - 1)]) {
        if ($line -match '^(?<key>[^:]+):\s*(?<value>.*)$') { $values[$Matches.key.Trim()] = $Matches.value.Trim() }
    }
    foreach ($required in $script:RequiredFrontMatter.GetEnumerator()) {
        if ($values[$required.Key] -ne $required.Value) {
            throw [HelpFormatException]::new("the front matter must say '$($required.Key): $($required.Value)' (it says '$($values[$required.Key])')")
        }
    }
    [pscustomobject]@{ Values = $values; BodyStart = $end + 1 }
}

function Read-YamlBlock {
    # The flat 'Key: value' pairs of a parameter's yaml block; nested YAML is not part of the schema.
    param([string[]] $Lines)
    $values = [ordered]@{}
    foreach ($line in $Lines) {
        if ($line -match '^(?<key>[A-Za-z][A-Za-z ]*):\s*(?<value>.*)$') { $values[$Matches.key.Trim()] = $Matches.value.Trim() }
    }
    $values
}

function Read-Example {
    # '### Example 1: title', then the powershell code, then remarks (text and any output blocks).
    param([object] $Section)
    $blocks = @(Split-MarkdownBlock $Section.Lines)
    $code = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -in 'powershell', 'pwsh', 'ps1', 'ps' })
    if ($code.Count -eq 0) { throw [HelpFormatException]::new("example '$($Section.Title)' has no ``````powershell code block") }
    [pscustomobject]@{
        Title   = $Section.Title
        Code    = ($code | ForEach-Object { Get-BlockText $_ }) -join "`n`n"
        Remarks = @($blocks | Where-Object { $_ -notin $code } | ForEach-Object { Get-BlockText $_ })
    }
}

function Read-Parameter {
    # '### -Name', the description, then a ```yaml block with the parameter's table.
    param([object] $Section)
    if ($Section.Title -notmatch '^-(?<name>\w+)$') {
        throw [HelpFormatException]::new("'### $($Section.Title)' under PARAMETERS must be '### -ParameterName' or '### CommonParameters'")
    }
    $blocks = @(Split-MarkdownBlock $Section.Lines)
    $yaml = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
    if ($yaml.Count -ne 1) { throw [HelpFormatException]::new("parameter -$($Matches.name) must have exactly one ``````yaml block") }
    $table = Read-YamlBlock $yaml[0].Lines
    $missing = @($script:ParameterYamlKeys | Where-Object { -not $table.Contains($_) })
    if ($missing) { throw [HelpFormatException]::new("the yaml block of -$($Matches.name) lacks: $($missing -join ', ')") }
    [pscustomobject]@{
        Name        = $Matches.name
        Description = @($blocks | Where-Object { $_ -notin $yaml } | ForEach-Object { Get-BlockText $_ })
        Yaml        = $table
    }
}

function Read-TypeList {
    # INPUTS and OUTPUTS: '### TypeName' and a sentence each; 'None' is a type name too.
    param([object] $Section)
    $split = Split-MarkdownSection $Section.Lines 3
    @(foreach ($type in $split.Sections) {
            [pscustomobject]@{ Name = ConvertTo-PlainText $type.Title; Description = @(Split-MarkdownBlock $type.Lines | ForEach-Object { Get-BlockText $_ }) }
        })
}

function Read-RelatedLink {
    # '[text](uri)' lines; a bare line is a link by name (another cmdlet or about topic).
    param([object] $Section)
    @(foreach ($line in $Section.Lines) {
            if ($line -match '^\s*[-*]?\s*\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)') { [pscustomobject]@{ Text = $Matches.text; Uri = $Matches.uri } }
            elseif ($line.Trim()) { [pscustomobject]@{ Text = (ConvertTo-PlainText $line.Trim().TrimStart('-', '*').Trim()); Uri = '' } }
        })
}

function Read-HelpMarkdown {
    <#
        Reads one docs/help/<Verb-Noun>.md into an object with the parts MAML needs. Throws a
        HelpFormatException that says what is wrong; the caller adds the file name.
    #>
    param([Parameter(Mandatory)][string] $Path)
    $lines = (Get-Content -LiteralPath $Path -Raw) -split '\r?\n'
    $frontMatter = Read-FrontMatter $lines
    $body = $lines[$frontMatter.BodyStart..($lines.Count - 1)]
    if (($body -join "`n") -match '\{\{.*?\}\}') {
        # platyPS marks what a person still has to write with {{ ... }}; such a file is not finished.
        throw [HelpFormatException]::new("it still holds a placeholder: $($Matches[0])")
    }

    $top = Split-MarkdownSection $body 1
    if ($top.Sections.Count -ne 1) { throw [HelpFormatException]::new("it must have exactly one '# Verb-Noun' title") }
    $sections = [ordered]@{}
    foreach ($section in (Split-MarkdownSection $top.Sections[0].Lines 2).Sections) { $sections[$section.Title.ToUpperInvariant()] = $section }
    $missing = @($script:RequiredSections | Where-Object { -not $sections.Contains($_) })
    if ($missing) { throw [HelpFormatException]::new("it lacks the section(s): $(($missing | ForEach-Object { "## $_" }) -join ', ')") }

    $synopsis = @(Split-MarkdownBlock $sections['SYNOPSIS'].Lines | ForEach-Object { Get-BlockText $_ })
    $description = @(Split-MarkdownBlock $sections['DESCRIPTION'].Lines | ForEach-Object { Get-BlockText $_ })
    if (-not $synopsis) { throw [HelpFormatException]::new('## SYNOPSIS is empty') }
    if (-not $description) { throw [HelpFormatException]::new('## DESCRIPTION is empty') }

    $examples = @((Split-MarkdownSection $sections['EXAMPLES'].Lines 3).Sections | ForEach-Object { Read-Example $_ })
    if (-not $examples) { throw [HelpFormatException]::new("## EXAMPLES has no '### Example 1: title'") }
    $parameterSections = (Split-MarkdownSection $sections['PARAMETERS'].Lines 3).Sections | Where-Object Title -ne 'CommonParameters'

    [pscustomobject]@{
        Path         = $Path
        Name         = $top.Sections[0].Title
        Synopsis     = $synopsis -join ' '
        Syntax       = @(Split-MarkdownBlock $sections['SYNTAX'].Lines | Where-Object Kind -eq 'Code' | ForEach-Object { Get-BlockText $_ })
        Description  = $description
        Examples     = $examples
        Parameters   = @($parameterSections | ForEach-Object { Read-Parameter $_ })
        Inputs       = Read-TypeList $sections['INPUTS']
        Outputs      = Read-TypeList $sections['OUTPUTS']
        Notes        = @(Split-MarkdownBlock $sections['NOTES'].Lines | ForEach-Object { Get-BlockText $_ })
        RelatedLinks = Read-RelatedLink $sections['RELATED LINKS']
        OnlineUri    = $frontMatter.Values['online version']
    }
}
