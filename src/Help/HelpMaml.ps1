# Writing MAML, the XML that Get-Help reads for a binary module's cmdlets. Written with XmlWriter so
# every value is escaped; the element names and namespaces are those of platyPS's output, which is
# what Get-Help is known to render well. Dot-sourced by Build-Help.ps1.

Set-StrictMode -Version Latest

$script:Namespaces = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Write-Element {
    # <prefix:name>text</prefix:name>; attributes in the order given.
    param([System.Xml.XmlWriter] $Writer, [string] $Prefix, [string] $Name, [string] $Text, [System.Collections.IDictionary] $Attributes = @{})
    $Writer.WriteStartElement($Prefix, $Name, $script:Namespaces[$Prefix])
    foreach ($attribute in $Attributes.GetEnumerator()) { $Writer.WriteAttributeString($attribute.Key, [string]$attribute.Value) }
    if ($null -ne $Text) { $Writer.WriteString($Text) }
    $Writer.WriteEndElement()
}

function Write-Paragraph {
    # One <maml:para> per paragraph; Get-Help wraps each to the console width.
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs, [string] $Prefix = 'maml', [string] $Name = 'description')
    $Writer.WriteStartElement($Prefix, $Name, $script:Namespaces[$Prefix])
    foreach ($paragraph in $Paragraphs) { Write-Element $Writer 'maml' 'para' $paragraph }
    $Writer.WriteEndElement()
}

function Write-Type {
    # <dev:type> with the full and the short name, as platyPS writes it.
    param([System.Xml.XmlWriter] $Writer, [string] $FullName, [string] $Uri = '')
    $Writer.WriteStartElement('dev', 'type', $script:Namespaces.dev)
    Write-Element $Writer 'maml' 'name' $FullName
    Write-Element $Writer 'maml' 'uri' $Uri
    $Writer.WriteEndElement()
}

function Get-ParameterAttribute {
    # The attributes Get-Help shows in its parameter table, for one parameter set.
    param([object] $Parameter, [object] $InSet)
    [ordered]@{
        required      = $InSet.Mandatory.ToString().ToLowerInvariant()
        variableLength = 'true'
        globbing      = $Parameter.SupportsWildcards.ToString().ToLowerInvariant()
        pipelineInput = Format-PipelineInput $InSet
        position      = if ($InSet.Position -ge 0) { [string]$InSet.Position } else { 'named' }
        aliases       = if ($Parameter.Aliases) { $Parameter.Aliases -join ', ' } else { 'none' }
    }
}

function Write-Parameter {
    # One <command:parameter>: under a syntaxItem (per set) or under command:parameters (once).
    param([System.Xml.XmlWriter] $Writer, [object] $Parameter, [object] $InSet, [object] $Written)
    $Writer.WriteStartElement('command', 'parameter', $script:Namespaces.command)
    foreach ($attribute in (Get-ParameterAttribute $Parameter $InSet).GetEnumerator()) { $Writer.WriteAttributeString($attribute.Key, $attribute.Value) }
    Write-Element $Writer 'maml' 'name' $Parameter.Name
    Write-Paragraph $Writer $Written.Description
    if (-not $Parameter.IsSwitch) {
        Write-Element $Writer 'command' 'parameterValue' $Parameter.Type ([ordered]@{ required = 'true'; variableLength = 'false' })
    }
    Write-Type $Writer $Parameter.FullType
    $default = $Written.Yaml['Default value']
    Write-Element $Writer 'dev' 'defaultValue' $(if ($default) { $default } else { 'None' })
    $Writer.WriteEndElement()
}

function Write-Syntax {
    # One <command:syntaxItem> per parameter set, parameters in Get-Command's order.
    param([System.Xml.XmlWriter] $Writer, [object] $Command, [hashtable] $Written, [hashtable] $Parameters)
    $Writer.WriteStartElement('command', 'syntax', $script:Namespaces.command)
    foreach ($set in @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:Namespaces.command)
        Write-Element $Writer 'maml' 'name' $Command.Name
        foreach ($name in $set.Parameters) {
            Write-Parameter $Writer $Parameters[$name] (Get-SetMetadata $Parameters[$name] $set.Name) $Written[$name]
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-TypeList {
    # command:inputTypes/command:inputType or command:returnValues/command:returnValue.
    param([System.Xml.XmlWriter] $Writer, [object[]] $Types, [string] $List, [string] $Item)
    $Writer.WriteStartElement('command', $List, $script:Namespaces.command)
    foreach ($type in $Types) {
        $Writer.WriteStartElement('command', $Item, $script:Namespaces.command)
        Write-Type $Writer $type.Name
        Write-Paragraph $Writer $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Example {
    param([System.Xml.XmlWriter] $Writer, [object[]] $Examples)
    $Writer.WriteStartElement('command', 'examples', $script:Namespaces.command)
    foreach ($example in $Examples) {
        $Writer.WriteStartElement('command', 'example', $script:Namespaces.command)
        Write-Element $Writer 'maml' 'title' "--------- $($example.Title) ---------"
        Write-Element $Writer 'dev' 'code' $example.Code
        Write-Paragraph $Writer $example.Remarks -Prefix 'dev' -Name 'remarks'
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-RelatedLink {
    param([System.Xml.XmlWriter] $Writer, [object[]] $Links, [string] $OnlineUri)
    $Writer.WriteStartElement('maml', 'relatedLinks', $script:Namespaces.maml)
    # Get-Help -Online opens the first link that has a URI; platyPS puts the online version first.
    $all = @(if ($OnlineUri) { [pscustomobject]@{ Text = 'Online Version:'; Uri = $OnlineUri } }) + @($Links)
    foreach ($link in $all) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:Namespaces.maml)
        Write-Element $Writer 'maml' 'linkText' $link.Text
        # A link to a markdown file ([Get-E2eJob](Get-E2eJob.md)) means the command; only web links are URIs.
        Write-Element $Writer 'maml' 'uri' $(if ($link.Uri -match '^https?://') { $link.Uri } else { '' })
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-CommandHelp {
    # One <command:command>: the markdown's prose with the code's syntax and parameter metadata.
    param([System.Xml.XmlWriter] $Writer, [object] $Help, [object] $Command)
    $written = @{}
    foreach ($parameter in $Help.Parameters) { $written[$parameter.Name] = $parameter }
    $parameters = @{}
    foreach ($parameter in $Command.Parameters) { $parameters[$parameter.Name] = $parameter }

    $Writer.WriteStartElement('command', 'command', $script:Namespaces.command)
    $Writer.WriteStartElement('command', 'details', $script:Namespaces.command)
    Write-Element $Writer 'maml' 'name' $Command.Name
    Write-Paragraph $Writer $Help.Synopsis
    Write-Element $Writer 'command' 'verb' $Command.Verb
    Write-Element $Writer 'command' 'noun' $Command.Noun
    $Writer.WriteEndElement()
    Write-Paragraph $Writer $Help.Description
    Write-Syntax $Writer $Command $written $parameters

    # The parameter list in the markdown's order: the author chose it for the reader.
    $Writer.WriteStartElement('command', 'parameters', $script:Namespaces.command)
    foreach ($parameter in $Help.Parameters) {
        $meta = $parameters[$parameter.Name]
        Write-Parameter $Writer $meta ($meta.Sets | Select-Object -First 1) $parameter
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer $Help.Inputs 'inputTypes' 'inputType'
    Write-TypeList $Writer $Help.Outputs 'returnValues' 'returnValue'
    # Get-Help shows NOTES from alertSet/alert; paragraphs directly under alertSet are not shown.
    $Writer.WriteStartElement('maml', 'alertSet', $script:Namespaces.maml)
    Write-Paragraph $Writer $Help.Notes -Name 'alert'
    $Writer.WriteEndElement()
    Write-Example $Writer $Help.Examples
    # The cmdlet's HelpUri (HelpLinks.Base + its page) unless the markdown names another.
    Write-RelatedLink $Writer $Help.RelatedLinks ($Help.OnlineUri ? $Help.OnlineUri : $Command.HelpUri)
    $Writer.WriteEndElement()
}

function Write-MamlFile {
    # The whole help file: <helpItems> with one <command:command> per cmdlet, in cmdlet-name order.
    param([string] $Path, [object[]] $Pairs)
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; IndentChars = '  '; Encoding = [System.Text.UTF8Encoding]::new($false); NewLineChars = "`n" }
    $null = New-Item -ItemType Directory -Path (Split-Path $Path) -Force
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        # Declared once on the root so that every element below can use the prefixes.
        $writer.WriteAttributeString('xmlns', 'maml', $null, $script:Namespaces.maml)
        $writer.WriteAttributeString('xmlns', 'command', $null, $script:Namespaces.command)
        $writer.WriteAttributeString('xmlns', 'dev', $null, $script:Namespaces.dev)
        foreach ($pair in $Pairs) { Write-CommandHelp $writer $pair.Help $pair.Command }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}
