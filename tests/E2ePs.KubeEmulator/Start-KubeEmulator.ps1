# Dot-source this file to start the Kubernetes API emulator from PowerShell (Pester tests, demos):
#
#   . ./tests/E2ePs.KubeEmulator/Start-KubeEmulator.ps1
#   $emulator = Start-KubeEmulator
#   $env:KUBECONFIG = $emulator.KubeconfigPath
#   kubectl get ns
#   Stop-KubeEmulator $emulator
#
# The emulator runs as a child process on 127.0.0.1 (a free port). It stops when its stdin closes,
# so it also goes away when the PowerShell session that started it ends.

function Start-KubeEmulator {
    [CmdletBinding()]
    param(
        # Where the kubeconfig is written; default: a new temporary directory.
        [string] $KubeconfigPath,
        # The built emulator; default: the dll next to this script, else the Debug build output.
        [string] $EmulatorDll,
        # Host:port of an OCI registry to check images against.
        [string] $Registry,
        # 'buildah' runs pods whose images -Registry (or -RegistriesConf) serves as real containers
        # (docs/emulator.md, "Real containers"); 'simulated' plays every container back.
        [ValidateSet('simulated', 'buildah')]
        [string] $Runtime = 'simulated',
        # A containers-registries.conf file for the real runtime (e.g. docker.io pointed at a local mirror).
        [string] $RegistriesConf,
        # buildah's --root and --runroot for the real runtime; default: buildah's own store.
        [string] $StorageRoot,
        [string] $StorageRunRoot,
        # A scenarios JSON file (see docs/emulator.md).
        [string] $ScenariosPath,
        # Serve plain HTTP instead of HTTPS.
        [switch] $Http,
        # Node capacity.
        [string] $NodeCpu = '8',
        [string] $NodeMemory = '32Gi',
        # Simulation step (ms); smaller is faster.
        [int] $TimeStepMs = 20,
        # The kubelet's status lag after a container's log ends (--status-lag-ms; the emulator's default is
        # upstream's 1000). Not given: 10 time steps when -TimeStepMs is given (a test that shortens the step
        # shortens the lag with it), else the emulator's default.
        [int] $StatusLagMs = -1,
        # A cluster autoscaler: an Unschedulable pod gets TriggeredScaleUp and a node this many seconds later
        # (docs/emulator.md, "Cluster Autoscaler"); none by default.
        [double] $AutoscaleAfterSeconds = -1,
        # The autoscaled node group's maximum size; beyond it pods get NotTriggerScaleUp.
        [int] $AutoscaleMaxNodes = 10,
        # Any further command-line options (e.g. '--fault-429', '3').
        [string[]] $ExtraArguments = @(),
        # Seconds to wait for "ready".
        [int] $TimeoutSeconds = 60
    )

    if (-not $EmulatorDll) {
        $candidates = @(
            (Join-Path $PSScriptRoot 'E2ePs.KubeEmulator.dll'),
            (Join-Path $PSScriptRoot 'bin/Debug/net10.0/E2ePs.KubeEmulator.dll'),
            (Join-Path $PSScriptRoot 'bin/Release/net10.0/E2ePs.KubeEmulator.dll')
        )
        $EmulatorDll = $candidates | Where-Object { Test-Path $_ } | Select-Object -First 1
        if (-not $EmulatorDll) {
            throw "E2ePs.KubeEmulator.dll not found; build it first: dotnet build tests/E2ePs.KubeEmulator"
        }
    }

    if (-not $KubeconfigPath) {
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("kube-emulator-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        $KubeconfigPath = Join-Path $dir 'kubeconfig'
    }

    $arguments = @($EmulatorDll, '--kubeconfig', $KubeconfigPath, '--port', '0', '--node-cpu', $NodeCpu, '--node-memory', $NodeMemory, '--time-step-ms', "$TimeStepMs")
    if ($Registry) { $arguments += @('--registry', $Registry) }
    if ($ScenariosPath) { $arguments += @('--scenarios', $ScenariosPath) }
    if ($Runtime -ne 'simulated') { $arguments += @('--runtime', $Runtime) }
    if ($RegistriesConf) { $arguments += @('--registries-conf', $RegistriesConf) }
    if ($StorageRoot) { $arguments += @('--storage-root', $StorageRoot) }
    if ($StorageRunRoot) { $arguments += @('--storage-runroot', $StorageRunRoot) }
    if ($Http) { $arguments += '--http' }
    if ($StatusLagMs -lt 0 -and $PSBoundParameters.ContainsKey('TimeStepMs')) { $StatusLagMs = 10 * $TimeStepMs }
    if ($StatusLagMs -ge 0) { $arguments += @('--status-lag-ms', "$StatusLagMs") }
    if ($AutoscaleAfterSeconds -ge 0) {
        $arguments += @('--autoscale-after-seconds', $AutoscaleAfterSeconds.ToString([cultureinfo]::InvariantCulture), '--autoscale-max-nodes', "$AutoscaleMaxNodes")
    }
    $arguments += $ExtraArguments

    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $arguments) { $psi.ArgumentList.Add([string]$a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)

    # Read the "key: value" facts until "ready".
    $facts = @{}
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $read = $process.StandardOutput.ReadLineAsync()
        $remaining = [int]([Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalMilliseconds))
        if (-not $read.Wait($remaining)) {
            $process.Kill($true)
            throw "the emulator did not become ready within $TimeoutSeconds s"
        }

        $line = $read.Result
        if ($null -eq $line) {
            $stderr = $process.StandardError.ReadToEnd()
            throw "the emulator exited before it was ready (exit code $($process.ExitCode)): $stderr"
        }

        if ($line -eq 'ready') { break }
        $i = $line.IndexOf(': ')
        if ($i -gt 0) { $facts[$line.Substring(0, $i)] = $line.Substring($i + 2) }
    }

    [pscustomobject]@{
        PSTypeName     = 'E2ePs.KubeEmulator'
        KubeconfigPath = $facts['kubeconfig']
        Server         = $facts['server']
        Token          = $facts['token']
        Process        = $process
    }
}

function Stop-KubeEmulator {
    [CmdletBinding()]
    param(
        # The object Start-KubeEmulator returned.
        [Parameter(Mandatory, ValueFromPipeline)] $Emulator,
        [int] $TimeoutSeconds = 10
    )

    process {
        $p = $Emulator.Process
        if ($null -eq $p -or $p.HasExited) { return }
        # Closing stdin is the emulator's signal to stop cleanly.
        $p.StandardInput.Close()
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            $p.Kill($true)
            $p.WaitForExit()
        }
    }
}
