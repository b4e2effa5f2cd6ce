#Requires -Version 7.4
<#
.SYNOPSIS
    Test helpers for anything that builds images: a private docker-registry on 127.0.0.1, a private
    containers/storage (vfs) for podman and buildah, and a tiny busybox base image, all without a
    network. The C# twins (LocalRegistry.cs, ContainerStorage.cs, BaseImage.cs) serve xUnit projects.
#>

Set-StrictMode -Version Latest

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    try { $listener.Start(); $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestRegistry {
    <#
    .SYNOPSIS
        Starts docker-registry on 127.0.0.1 and a free port with storage in a temporary folder;
        returns an object with Address (host:port), Port, Folder and Process. Stop it with Stop-TestRegistry.
    #>
    [CmdletBinding()]
    param(
        [TimeSpan] $Timeout = [TimeSpan]::FromSeconds(15),
        # An htpasswd line (user:bcrypt-hash): the registry then asks for Basic credentials.
        [string] $Htpasswd
    )

    $binary = @($env:DOCKER_REGISTRY_BIN, '/usr/bin/docker-registry', (Get-Command docker-registry -ErrorAction Ignore)?.Source) |
        Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    if (-not $binary) { throw 'docker-registry is not installed (apt-get install docker-registry).' }
    $folder = Join-Path ([IO.Path]::GetTempPath()) "test-registry-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Path $folder | Out-Null
    $port = Get-FreeTcpPort
    $config = Join-Path $folder 'config.yml'
    @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $folder 'data')
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
"@ | Set-Content -LiteralPath $config
    if ($Htpasswd) {
        Set-Content -LiteralPath (Join-Path $folder 'htpasswd') -Value $Htpasswd
        "auth:`n  htpasswd:`n    realm: test-registry`n    path: $(Join-Path $folder 'htpasswd')" | Add-Content -LiteralPath $config
    }
    $process = Start-Process -FilePath $binary -ArgumentList 'serve', $config -PassThru `
        -RedirectStandardError (Join-Path $folder 'registry.log') -RedirectStandardOutput (Join-Path $folder 'registry.out')
    $registry = [pscustomobject]@{ Address = "127.0.0.1:$port"; Port = $port; Folder = $folder; Process = $process }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        try {
            Invoke-RestMethod "http://127.0.0.1:$port/v2/" -TimeoutSec 2 | Out-Null
            return $registry
        }
        catch {
            # A registry that asks for credentials answers 401: it is up.
            if ($Htpasswd -and $_.Exception -is [Microsoft.PowerShell.Commands.HttpResponseException] -and $_.Exception.Response.StatusCode -eq 401) { return $registry }
            if ($clock.Elapsed -gt $Timeout -or $process.HasExited) {
                Stop-TestRegistry $registry
                throw "docker-registry did not answer on 127.0.0.1:$port."
            }
            Start-Sleep -Milliseconds 100
        }
    }
}

function Stop-TestRegistry {
    <# .SYNOPSIS Stops a registry from Start-TestRegistry and deletes its storage. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Registry)
    if (-not $Registry.Process.HasExited) {
        $Registry.Process.Kill($true)
        $Registry.Process.WaitForExit(5000) | Out-Null
    }
    Remove-Item -LiteralPath $Registry.Folder -Recurse -Force -ErrorAction SilentlyContinue
}

function Get-TestRegistryTag {
    <# .SYNOPSIS The tags of a repository in a test registry (none when it does not exist). #>
    param([Parameter(Mandatory)] $Registry, [Parameter(Mandatory)][string] $Repository)
    try { @((Invoke-RestMethod "http://$($Registry.Address)/v2/$Repository/tags/list").tags) }
    catch { @() }
}

function New-TestContainerStorage {
    <#
    .SYNOPSIS
        A private containers/storage folder for podman and buildah (vfs). Returns Folder and
        GlobalArguments (--storage-driver vfs --root ... --runroot ...). Remove it with Remove-TestContainerStorage.
    #>
    # podman refuses a runroot longer than 50 characters: keep the path short.
    $folder = Join-Path ([IO.Path]::GetTempPath()) "ts-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory -Path (Join-Path $folder 'root'), (Join-Path $folder 'runroot') | Out-Null
    [pscustomobject]@{
        Folder          = $folder
        GlobalArguments = @('--storage-driver', 'vfs', '--root', (Join-Path $folder 'root'), '--runroot', (Join-Path $folder 'runroot'))
        BuildArguments  = @('--isolation', 'chroot')
    }
}

function Remove-TestContainerStorage {
    param([Parameter(Mandatory)] $Storage)
    Remove-Item -LiteralPath $Storage.Folder -Recurse -Force -ErrorAction SilentlyContinue
}

function New-TestBaseImage {
    <#
    .SYNOPSIS
        Makes a busybox image named -Reference in -Storage (buildah from scratch, or podman build
        FROM scratch) and pushes it over plain HTTP.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Storage, [Parameter(Mandatory)][string] $Reference)

    $busybox = @($env:BUSYBOX_BIN, '/bin/busybox', '/usr/bin/busybox') | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    if (-not $busybox) { throw 'busybox is not installed (apt-get install busybox-static).' }
    $work = Join-Path ([IO.Path]::GetTempPath()) "test-base-image-$([guid]::NewGuid().ToString('n'))"
    $bin = Join-Path $work 'rootfs/bin'
    New-Item -ItemType Directory -Path $bin, (Join-Path $work 'rootfs/tmp') | Out-Null
    try {
        Copy-Item $busybox (Join-Path $bin 'busybox')
        foreach ($applet in 'sh', 'echo', 'cat', 'ls', 'sleep', 'true', 'false', 'mkdir', 'cp', 'rm', 'env', 'test') {
            New-Item -ItemType SymbolicLink -Path (Join-Path $bin $applet) -Target 'busybox' | Out-Null
        }
        $global = $Storage.GlobalArguments
        function Invoke-Checked { param([string] $Tool, [string[]] $Arguments)
            $output = & $Tool @Arguments 2>&1
            if ($LASTEXITCODE -ne 0) { throw "'$Tool $Arguments' failed ($LASTEXITCODE): $output" }
            $output
        }
        if (Get-Command buildah -ErrorAction Ignore) {
            $engine = 'buildah'
            $container = (Invoke-Checked buildah (@($global) + 'from', 'scratch') | Select-Object -Last 1).ToString().Trim()
            Invoke-Checked buildah (@($global) + 'copy', $container, (Join-Path $work 'rootfs'), '/') | Out-Null
            Invoke-Checked buildah (@($global) + 'config', '--cmd', '/bin/sh', '--env', 'PATH=/bin', $container) | Out-Null
            Invoke-Checked buildah (@($global) + 'commit', '--rm', $container, $Reference) | Out-Null
        }
        else {
            $engine = 'podman'
            "FROM scratch`nCOPY rootfs/ /`nENV PATH=/bin`nCMD [`"/bin/sh`"]`n" | Set-Content (Join-Path $work 'Dockerfile')
            Invoke-Checked podman (@($global) + 'build' + $Storage.BuildArguments + '-t', $Reference, $work) | Out-Null
        }
        Invoke-Checked $engine (@($global) + 'push', '--tls-verify=false', $Reference) | Out-Null
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Export-ModuleMember -Function Start-TestRegistry, Stop-TestRegistry, Get-TestRegistryTag, New-TestContainerStorage, Remove-TestContainerStorage, New-TestBaseImage
