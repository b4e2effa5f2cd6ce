#Requires -Version 7.4
# What a user sees of Get-E2eLog, against the Kubernetes API emulator run as a process: each line exactly
# as the container wrote it, in a pwsh whose output is redirected (stdout not a terminal, width 80), in a
# terminal of 80 and 120 columns, through Out-String/Out-File -Width 80 and 120, and after other output;
# "> file", -Raw and -OutFile give the bytes of the real kubectl logs for the same container.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:NoKubectl = Get-ToolSkip 'kubectl'
    # A terminal of a chosen width: script(1) runs the child on a pseudo-terminal sized with stty.
    $script:NoScript = Get-ToolSkip 'script', 'stty'
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Root = Get-E2ePsRepositoryRoot
    Import-Module (Join-Path $Root 'E2ePs.psd1') -Force
    . (Join-Path $Root 'tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('e2eps-logout-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null

    # What the test container writes: a line of 188 characters (longer than 80 and 120 columns), an empty
    # line, a tab and non-ASCII text, a line ended by "\r\n" (its '\r' stays in the log), colours, spaces
    # at both ends. The clone container writes one line; the slow image writes lines 150 ms apart.
    $script:Long = (1..188 | ForEach-Object { [char](97 + $_ % 26) }) -join ''
    $script:TestLines = @($Long, '', "tab`there ünï 日本 ✓", "crlf`r", "`e[31mred`e[0m plain", '  both ends  ', 'done')
    $script:CloneLine = 'Cloning branch main of https://github.com/example/shop.git'
    $scenarios = Join-Path $Work 'scenarios.json'
    ConvertTo-Json -Depth 4 -InputObject @(
        @{ image = 'docker.io/alpine/git:*'; containerName = 'clone-repo'; lines = @($CloneLine) }
        @{ image = 'localhost:5000/e2eps-logout:*'; lines = $TestLines }
        @{ image = 'localhost:5000/e2eps-logout-slow:*'; lines = @(1..12 | ForEach-Object { "slow line $_ " + ('x' * 150) }); lineIntervalMs = 150 }
    ) | Set-Content -LiteralPath $scenarios -Encoding utf8

    $emulatorDll = Get-ChildItem (Join-Path $Root 'tests/E2ePs.KubeEmulator/bin/*/net10.0/E2ePs.KubeEmulator.dll') |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 -ExpandProperty FullName
    $script:Emulator = Start-KubeEmulator -TimeStepMs 10 -ScenariosPath $scenarios -EmulatorDll $emulatorDll -KubeconfigPath (Join-Path $Work 'kubeconfig')
    $script:Kc = $Emulator.KubeconfigPath

    $script:Ns = 'e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    ConvertTo-Json -Compress @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Ns } } |
        kubectl --kubeconfig $Kc create -f - | Out-Null
    $script:Repo = New-TestGitRepository
    New-E2eJob -Name logs -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-logout:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    New-E2eJob -Name slow -TestPath tests/e2e/test_shop.py -Namespace $Ns -Image localhost:5000/e2eps-logout-slow:1 -Memory 64Mi -Cpu 100m -Path $Repo | Out-Null
    $script:Run = Get-E2eJob -Path $Repo -Name logs | Start-E2eJob -Kubeconfig $Kc | Wait-E2eJob
    $script:Pod = (Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -Container test-runner | Select-Object -First 1).Pod
    # The child sessions name the job the same way.
    $script:LogArgs = "-Name logs -Namespace '$Ns' -Kubeconfig '$Kc'"

    function Invoke-Child {
        # A child pwsh whose stdout goes to a file (not a terminal): returns the file's bytes.
        param([string] $Command)
        $out = Join-Path $Work ([guid]::NewGuid().ToString('N'))
        $script = "Import-Module '$Root/E2ePs.psd1'; $Command"
        & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script > $out
        [IO.File]::ReadAllBytes($out)
    }

    function Get-KubectlBytes {
        # The bytes the real kubectl writes for the arguments, through sh so that nothing decodes them.
        param([string[]] $Arguments)
        $out = Join-Path $Work ([guid]::NewGuid().ToString('N'))
        sh -c 'out="$1"; shift; kubectl "$@" > "$out"' sh $out --kubeconfig $Kc -n $Ns @Arguments
        if ($LASTEXITCODE -ne 0) { throw "kubectl $Arguments failed" }
        [IO.File]::ReadAllBytes($out)
    }

    function ConvertTo-Text([byte[]] $Bytes) { [Text.Encoding]::UTF8.GetString($Bytes) }

    # Lines of output as they are: split at "\n" only, so a '\r' in a line stays there; then made visible
    # (ESC as <ESC>, CR as <CR>), so that a failure's message says which and the NUnit report can hold it.
    function Split-Line([string] $Text) { $Text.TrimEnd("`n") -split "`n" | Show-Control }
    function Show-Control { process { $_ -replace "`e", '<ESC>' -replace "`r", '<CR>' } }

    $script:ExpectedTest = (($TestLines | ForEach-Object { "$_`n" }) -join '')
}

AfterAll {
    if ($Emulator) { Stop-KubeEmulator $Emulator }
    Remove-Item $Repo, $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-E2eLog > file of one container' -Skip:$NoKubectl {
    It 'gives the bytes of kubectl logs (UTF-8, LF, every character kept)' {
        $kubectl = Get-KubectlBytes @('logs', "pod/$Pod", '-c', 'test-runner')
        ConvertTo-Text $kubectl | Should -BeExactly $ExpectedTest -Because 'the emulator logs the lines as written'
        $ours = Invoke-Child "Get-E2eLog $LogArgs -Container test-runner"
        $ours | Should -Be $kubectl
        $file = Join-Path $Work 'redirected.log'
        Invoke-Child "Get-E2eLog $LogArgs -Container test-runner > '$file'; Get-E2eLog $LogArgs -Container test-runner | Out-File '$file.2'" | Out-Null
        [IO.File]::ReadAllBytes($file) | Should -Be $kubectl
        [IO.File]::ReadAllBytes("$file.2") | Should -Be $kubectl
    }

    It '-Raw joined and -OutFile give the same bytes' {
        $kubectl = Get-KubectlBytes @('logs', "pod/$Pod", '-c', 'test-runner')
        $raw = Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -Container test-runner -Raw
        $raw | ForEach-Object { $_ | Should -BeOfType [string] }
        [Text.Encoding]::UTF8.GetBytes(-join $raw) | Should -Be $kubectl
        $file = Join-Path $TestDrive 'out.log'
        Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -Container test-runner -OutFile $file | Should -BeNullOrEmpty
        [IO.File]::ReadAllBytes($file) | Should -Be $kubectl
    }
}

Describe 'Several containers' -Skip:$NoKubectl {
    It '-OutFile and > file give kubectl logs --prefix bytes of each container, init containers first' {
        # `kubectl logs --all-containers --prefix` writes each container's whole log, but in the order of a Go map
        # (kubectl/pkg/cmd/logs/logs.go, sequentialConsumeRequest ranges over map[ObjectReference]ResponseWrapper),
        # so either container can come first. Get-E2eLog keeps the pod's order (init containers first): the expected
        # bytes are kubectl's own prefixed output of each container, in that order.
        $kubectl = [byte[]] @(foreach ($container in 'clone-repo', 'test-runner') {
                Get-KubectlBytes @('logs', "pod/$Pod", '-c', $container, '--prefix')
            })
        $together = Get-KubectlBytes @('logs', "pod/$Pod", '--all-containers', '--prefix')
        Split-Line (ConvertTo-Text $together) | Sort-Object -CaseSensitive | Should -Be (Split-Line (ConvertTo-Text $kubectl) | Sort-Object -CaseSensitive) -Because 'kubectl --all-containers writes the same lines, its containers in either order'
        Split-Line (ConvertTo-Text $kubectl) | Should -Be (@("[pod/$Pod/clone-repo] $CloneLine"; $TestLines | ForEach-Object { "[pod/$Pod/test-runner] $_" }) | Show-Control)
        $file = Join-Path $TestDrive 'all.log'
        Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -OutFile $file
        [IO.File]::ReadAllBytes($file) | Should -Be $kubectl
        Invoke-Child "Get-E2eLog $LogArgs" | Should -Be $kubectl
        [Text.Encoding]::UTF8.GetBytes(-join (Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -Raw)) | Should -Be $kubectl
    }

    It 'the objects keep their message; the prefix is only in how they are shown' {
        $lines = Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc
        $lines | ForEach-Object { $_ | Should -BeOfType ([E2ePs.Models.E2eLogLine]) }
        $lines.Message | Show-Control | Should -Be (@($CloneLine; $TestLines) | Show-Control)
        $lines[0].Prefix | Should -Be "[pod/$Pod/clone-repo] "
        "$($lines[1])" | Should -Be "[pod/$Pod/test-runner] $Long"
        ($lines | Where-Object Container -EQ 'test-runner' | Select-String -SimpleMatch 'done').Line | Should -Be "[pod/$Pod/test-runner] done"
        # The properties come through E2ePs's type adapter: typed, bound by name, settable.
        $lines[0].pstypenames[0] | Should -Be 'System.String'
        $lines[0].Timestamp | Should -BeOfType ([DateTimeOffset])
        ($lines | Sort-Object Timestamp | Select-Object -First 1 -Property Pod, Container).Container | Should -Be 'clone-repo'
        $lines[0].InitContainer = 'true'
        $lines[0].InitContainer | Should -BeTrue
        # As for error records, Format-List -Force shows the properties of what otherwise prints as text.
        ($lines[0] | Format-List -Force | Out-String) | Should -Match 'Container\s+: clone-repo'
    }
}

Describe 'A line where Get-E2eLog has not run' {
    It 'prints as one line of text (the format file''s fallback view), not as a list of its properties' {
        # Without the adapter Get-E2eLog registers, the line's first type name is its own: the view of the type applies.
        $text = ConvertTo-Text (Invoke-Child "[E2ePs.Models.E2eLogLine]@{ Pod = 'p'; Container = 'c'; Message = 'fallback text' } | Out-String -Width 80 | Write-Host -NoNewline")
        $text.Trim() | Should -Be 'fallback text'
    }
}

Describe 'Shown, never wrapped or cut' -Skip:$NoKubectl {
    It 'Out-String and Out-File -Width <Width> in a redirected child keep the 188-character line whole' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
        $expected = [Text.Encoding]::UTF8.GetBytes($ExpectedTest)
        Invoke-Child "Get-E2eLog $LogArgs -Container test-runner | Out-String -Width $Width | Write-Host -NoNewline" | Should -Be $expected
        $file = Join-Path $Work "width-$Width.log"
        Invoke-Child "Get-E2eLog $LogArgs -Container test-runner | Out-File '$file' -Width $Width" | Out-Null
        [IO.File]::ReadAllBytes($file) | Should -Be $expected
    }

    It 'after other output (a string and a table first): still one line per log line, no list view, no blank line' {
        $text = ConvertTo-Text (Invoke-Child "Write-Output 'first'; [pscustomobject]@{ Year = 2026 }; Get-E2eLog $LogArgs -Container test-runner | Out-Host")
        $lines = Split-Line $text
        $lines[0] | Should -Be 'first'
        # The log, its lines one after the other. (PowerShell may print the table of the object before after
        # them: it holds a table back up to 300 ms to size its columns, and prints strings at once.)
        $start = [array]::IndexOf($lines, $Long)
        $start | Should -BeGreaterThan 0
        $lines[$start..($start + $TestLines.Count - 1)] | Should -Be ($TestLines | Show-Control)
        ($lines -match 'Year') | Should -Not -BeNullOrEmpty -Because 'the table is printed too'
        $lines | Should -Not -Contain 'Message : done'
    }

    It 'in a terminal of <Width> columns: each log line is written once, whole, with no line break of its own' -Skip:$NoScript -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
        $command = "Import-Module '$Root/E2ePs.psd1'; Get-E2eLog $LogArgs -Container test-runner"
        $pwsh = Join-Path $PSHOME 'pwsh.dll'
        $inner = "stty cols $Width rows 50; exec dotnet '$pwsh' -NoProfile -NonInteractive -Command `"$command`""
        $out = Join-Path $Work "tty-$Width.txt"
        script -qec $inner $out | Out-Null
        # A terminal turns each "\n" into "\r\n"; pwsh's start-up sequences for it (keypad modes) come
        # before the first line, script(1) adds a line before and after.
        $lines = Split-Line ((Get-Content -LiteralPath $out -Raw) -replace "`r`n", "`n" -replace "`e\[\?1[hl]`e[=>]", '')
        $lines | Should -Contain $Long
        $lines | Should -Contain '  both ends  '
        $lines | Should -Contain 'done'
        ($lines | Where-Object { $_ -and $Long.StartsWith($_) -and $_ -ne $Long }) | Should -BeNullOrEmpty -Because 'no part of the long line stands alone'
    }
}

Describe '-Follow with -Raw and -OutFile' {
    It '-OutFile -Follow streams a running job into the file, each line once, in order' {
        $run = Get-E2eJob -Path $Repo -Name slow | Start-E2eJob -Kubeconfig $Kc
        $file = Join-Path $TestDrive 'follow.log'
        $run | Get-E2eLog -Follow -Container test-runner -OutFile $file
        Split-Line (Get-Content -LiteralPath $file -Raw) | Should -Be @(1..12 | ForEach-Object { "slow line $_ " + ('x' * 150) })
    }

    It '-Raw -Follow writes strings as the lines arrive, the lines of the two containers prefixed' {
        $run = Get-E2eJob -Path $Repo -Name slow | Start-E2eJob -Kubeconfig $Kc
        $chunks = @($run | Get-E2eLog -Follow -Raw)
        $chunks.Count | Should -BeGreaterThan 1 -Because 'the lines come 150 ms apart, so not all in one chunk'
        $chunks | ForEach-Object { $_ | Should -BeOfType [string]; $_ | Should -Match "`n$" }
        $podName = (Split-Line (-join $chunks))[0] -replace '^\[pod/([^/]+)/.*$', '$1'
        Split-Line (-join $chunks) | Should -Be @("[pod/$podName/clone-repo] $CloneLine"; 1..12 | ForEach-Object { "[pod/$podName/test-runner] slow line $_ " + ('x' * 150) })
    }
}

Describe '-OutFile paths' {
    It 'resolves a PowerShell drive path through the provider' {
        Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -Container test-runner -OutFile 'TestDrive:/drive.log'
        [IO.File]::ReadAllText((Join-Path $TestDrive 'drive.log')) | Should -BeExactly $ExpectedTest
    }

    It '-WhatIf writes no file and reads no log' {
        $file = Join-Path $TestDrive 'whatif.log'
        Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -OutFile $file -WhatIf
        Test-Path -LiteralPath $file | Should -BeFalse
    }

    It 'a folder that does not exist is LogFileNotWritable, with the path as target' {
        $file = Join-Path $TestDrive 'missing/folder/out.log'
        Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -OutFile $file -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'LogFileNotWritable*'
        $failed[0].TargetObject | Should -Be $file
        $failed[0].CategoryInfo.Category | Should -Be 'WriteError'
    }

    It '-Raw and -OutFile cannot be used together' {
        { Get-E2eLog -Name logs -Namespace $Ns -Kubeconfig $Kc -Raw -OutFile (Join-Path $TestDrive 'x.log') } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,E2ePs.Cmdlets.GetE2eLogCommand'
    }
}
