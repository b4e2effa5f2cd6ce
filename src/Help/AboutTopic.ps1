# Converting docs/about_*.md to the plain-text about topics Get-Help shows (about_*.help.txt):
# headings in capitals at the margin, text indented four spaces and wrapped at 80 columns, code
# indented eight and never wrapped. Dot-sourced by Build-Help.ps1, after HelpMarkdown.ps1.

Set-StrictMode -Version Latest

$script:AboutWidth = 80

function Format-Wrapped {
    # Word-wraps one paragraph; $Hanging indents every line after the first (list items).
    param([string] $Text, [int] $Indent, [int] $Hanging = $Indent)
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = ' ' * $Indent
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and $line.Length + 1 + $word.Length -gt $script:AboutWidth) {
            $lines.Add($line)
            $line = ' ' * $Hanging
            $empty = $true
        }
        $line += $(if ($empty) { $word } else { " $word" })
        $empty = $false
    }
    if (-not $empty) { $lines.Add($line) }
    $lines
}

function Format-Preformatted {
    # Code and tables keep their lines; one that would pass column 80 is an error, not a surprise wrap.
    param([string] $Text, [int] $Indent)
    foreach ($line in $Text -split "`n") {
        $indented = if ($line) { (' ' * $Indent) + $line } else { '' }
        if ($indented.Length -gt $script:AboutWidth) {
            throw [HelpFormatException]::new("this line is longer than $script:AboutWidth columns once indented by $($Indent): $line")
        }
        $indented
    }
}

function Format-AboutBlock {
    # The lines of one section's body, a blank line between blocks.
    param([string[]] $Lines)
    $previous = $null
    foreach ($block in Split-MarkdownBlock $Lines) {
        # The items of one list stay together; every other block is set off by a blank line.
        if ($previous -and -not ($previous.Kind -eq 'ListItem' -and $block.Kind -eq 'ListItem')) { '' }
        $previous = $block
        $text = Get-BlockText $block
        switch ($block.Kind) {
            'Paragraph' { Format-Wrapped $text 4 }
            'ListItem' { Format-Wrapped $text 4 6 }
            'Table' { Format-Preformatted $text 4 }
            'Code' { Format-Preformatted $text 8 }
        }
    }
}

function ConvertTo-AboutTopic {
    <#
        Converts one about_*.md to the text of its .help.txt. '# about_Name' becomes TOPIC, each
        '## Heading' a heading in capitals, each '### Heading' a sub-heading indented two spaces.
    #>
    param([Parameter(Mandatory)][string] $Path)
    $name = [IO.Path]::GetFileNameWithoutExtension($Path)
    $lines = (Get-Content -LiteralPath $Path -Raw) -split '\r?\n'
    $top = Split-MarkdownSection $lines 1
    if ($top.Sections.Count -ne 1 -or $top.Sections[0].Title -ne $name) { throw [HelpFormatException]::new("it must have exactly one title, '# $name'") }
    $sections = (Split-MarkdownSection $top.Sections[0].Lines 2).Sections
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if ($sections.Title.ToUpperInvariant() -notcontains $required) { throw [HelpFormatException]::new("it lacks '## $required'") }
    }

    $output = [System.Collections.Generic.List[string]]::new()
    $output.AddRange([string[]]@('TOPIC', "    $name", ''))
    foreach ($section in $sections) {
        $output.Add($section.Title.ToUpperInvariant())
        $subsections = Split-MarkdownSection $section.Lines 3
        $body = @(Format-AboutBlock $subsections.Preamble)
        if ($body) { $output.AddRange([string[]]$body); $output.Add('') }
        foreach ($subsection in $subsections.Sections) {
            $output.Add('  ' + (ConvertTo-PlainText $subsection.Title))
            $output.AddRange([string[]]@(Format-AboutBlock $subsection.Lines))
            $output.Add('')
        }
    }
    ($output -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}
