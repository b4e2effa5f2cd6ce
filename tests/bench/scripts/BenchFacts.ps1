# Dot-sourced by the measurement scripts: how they report to the harness (tests/bench/E2ePs.Bench).
# Each fact is one "key=value" line on stdout, numbers in the invariant culture; "ready" says the
# script waits for a line on stdin before the measured command, so the harness can reset the
# emulator's counters first.

function Write-Fact {
    param([Parameter(Mandatory)][string] $Name, [Parameter(Mandatory)] $Value)
    $text = if ($Value -is [IFormattable]) { $Value.ToString($null, [cultureinfo]::InvariantCulture) } else { "$Value" }
    [Console]::Out.WriteLine("$Name=$text")
}

function Get-PeakMemoryKilobytes {
    # VmHWM: the most resident memory this process has had.
    $line = [IO.File]::ReadAllLines('/proc/self/status') | Where-Object { $_.StartsWith('VmHWM:') }
    [long] ($line -replace '[^0-9]', '')
}

function Wait-Go {
    [Console]::Out.WriteLine('ready')
    $null = [Console]::In.ReadLine()
}

function Get-UtcTicks { [DateTimeOffset]::UtcNow.UtcTicks }

function Initialize-E2ePsClient {
    # One real call, so that the engine is loaded and the client connected, as in a session that has
    # already used E2ePs (Start-E2eJob before Wait-E2eJob); the cost of this first call is measured
    # on its own by Measure-Startup.ps1.
    param([Parameter(Mandatory)][string] $Kubeconfig)
    Remove-E2eJob -Name bench-absent -Namespace default -Kubeconfig $Kubeconfig -ErrorAction SilentlyContinue -ErrorVariable failed
    if (-not $failed -or -not $failed[0].FullyQualifiedErrorId.StartsWith('JobNotFound')) {
        throw "The warm-up call did not reach the cluster: $failed"
    }
}
