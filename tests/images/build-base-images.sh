#!/usr/bin/env bash
# Builds the base images that the E2ePs templates and the job manifest name, from Debian's packages
# (and, for PowerShell, from what this machine has), and pushes them to a registry under the names
# users know, so that a registries.conf mirror (see --registries-conf) makes the templates' image names
# resolve to them, and the templates stay what users get.
#
#   tests/images/build-base-images.sh --registry 127.0.0.1:5000 [--registries-conf FILE] [--cache DIR] [--no-powershell] [--no-dotnet]
#
# Why: no public image registry is reachable from the test machines, but the Debian mirror apt uses
# is. mmdebstrap builds a root file system from that mirror; buildah turns it into an image.
#
# | stands in for                                  | pushed as                                   | made of                                                  |
# | docker.io/alpine/git:v2.47.2                   | <registry>/alpine/git:v2.47.2               | Debian: git, ca-certificates (and /bin/sh)               |
# | docker.io/library/python:3.13-slim             | <registry>/library/python:3.13-slim         | Debian: python3, pip, pytest 7.2.1 and plugins, apt      |
# | mcr.microsoft.com/powershell:7.4-debian-12     | <registry>/mcr/powershell:7.4-debian-12     | Debian + this machine's .NET runtime, PowerShell (dotnet tool) and Pester (NuGet) |
# | mcr.microsoft.com/dotnet/sdk:8.0               | <registry>/mcr/dotnet/sdk:8.0               | Debian + this machine's .NET SDK (10, not 8.0)            |
#
# The stand-ins are not the real images: Debian's Python is 3.11 and its pytest 7.2.1, git 2.39, and
# PowerShell is the repository's dotnet tool version on .NET 10. What the tests check (the clone script,
# the runners, the report protocol) does not depend on those versions.
#
# Cached by content: each image is kept as an OCI archive named by a hash of everything it is made of
# (the build function, its packages, the files copied in, the apt sources, i.e. the mirror). A second
# run only pushes the archives (seconds). Delete the cache folder to build again.
set -euo pipefail

registry=""
registries_conf=""
pester=5.7.1
dotnet_sdk=$(command -v dotnet || true)
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
cache_root="${E2EPS_BASE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/e2eps/base-images}"
while [ $# -gt 0 ]; do
    case "$1" in
        --registry) registry="$2"; shift 2 ;;
        --registries-conf) registries_conf="$2"; shift 2 ;;
        --cache) cache_root="$2"; shift 2 ;;
        --no-powershell) pester=""; shift ;;
        --no-dotnet) dotnet_sdk=""; shift ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "build-base-images.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# The Debian release and the packages of each image. Changing either changes the cache key.
suite=bookworm
git_packages="git,ca-certificates"
python_packages="python3,python3-pip,python-is-python3,python3-pytest,python3-pytest-mock,python3-pytest-asyncio,python3-pytest-timeout,ca-certificates"
# Documentation, manual pages and translations are not needed in a test image; on vfs storage every
# byte is copied into each layer, so leave them out.
dpkg_excludes=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*')

for tool in mmdebstrap buildah skopeo; do
    command -v "$tool" >/dev/null || { echo "build-base-images.sh: $tool is not installed (apt-get install $tool)" >&2; exit 3; }
done

# One run at a time per cache: in CI the in-pod tests and the README's demo (Pester) run side by side, and
# engineers on one machine share the cache. Two runs would build the same images into the same archives and
# share the PowerShell shim folder below; the second waits here and then finds the first's archives cached.
mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9

# The mirror: the apt sources of this machine (deb822 or one-line), without comments.
sources=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v '^[[:space:]]*#' || true)

# build_image NAME PACKAGES COPY_SPEC CONFIG... builds one image into $cache_root/NAME-<key>.tar, where
# the key hashes everything the image is made of: this function, the packages, the files copied in
# (COPY_SPEC: "host-folder:image-folder ..." with the folders' listings), the config and the mirror.
# An image whose key has not changed is not built again.
built=()
build_image() {
    local name="$1" packages="$2" copies="$3"; shift 3
    local key; key=$( {
        declare -f build_image; echo "$suite $packages $copies $*"; printf '%s\n' "${dpkg_excludes[@]}"; echo "$sources"; uname -m
        for copy in $copies; do find "${copy%%:*}" -printf '%P %s %m\n' | sort; done
    } | sha256sum | cut -c1-16)
    archives[$name]="$cache_root/$name-$key.tar"
    if [ -f "${archives[$name]}" ]; then
        echo "$name: cached in ${archives[$name]}"
        return
    fi
    local started; started=$(date +%s)
    local work; work=$(mktemp -d /tmp/e2eps-base-XXXXXX)
    local storage=(--storage-driver vfs --root "$work/root" --runroot "$work/run")
    echo "$name: building from Debian $suite ($packages)"
    echo "$sources" | mmdebstrap --quiet --variant=minbase --include="$packages" "${dpkg_excludes[@]}" \
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
        "$suite" "$work/rootfs.tar" -
    local container; container=$(buildah "${storage[@]}" from scratch)
    buildah "${storage[@]}" add "$container" "$work/rootfs.tar" / >/dev/null
    for copy in $copies; do
        buildah "${storage[@]}" copy "$container" "${copy%%:*}" "${copy#*:}" >/dev/null
    done
    buildah "${storage[@]}" config "$@" "$container"
    mkdir -p "$cache_root"
    buildah "${storage[@]}" commit --quiet --rm "$container" "oci-archive:$work/$name.tar" >/dev/null
    mv "$work/$name.tar" "${archives[$name]}"
    rm -rf "$work"
    built+=("$name")
    echo "$name: built in $(( $(date +%s) - started )) s into ${archives[$name]}"
}
declare -A archives

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# alpine/git's entrypoint is git; the Job's init container overrides it with /bin/sh -c.
build_image git "$git_packages" "" --entrypoint '["git"]' --cmd '["--help"]' --workingdir /git --env PATH=$path
# python:*-slim has pip unrestricted (Python in /usr/local); Debian marks its Python as externally
# managed (PEP 668), which would turn the template's `pip install` into an error rather than a
# "requirement already satisfied". The stand-in behaves like the image it replaces.
build_image python "$python_packages" "" --cmd '["python3"]' --env PATH=$path --env LANG=C.UTF-8 \
    --env PIP_BREAK_SYSTEM_PACKAGES=1

# PowerShell is no Debian package. The stand-in for mcr.microsoft.com/powershell is made of what this
# machine has: the .NET runtime of its SDK, PowerShell as the NuGet package of the local dotnet tool
# (.config/dotnet-tools.json) and Pester from the NuGet package the test tools restore, installed
# where the real image keeps AllUsers modules. It runs PowerShell 7.6 on .NET 10, not 7.4 on .NET 8.
if [ -n "$pester" ]; then
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    runtime=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/* | sort -V | tail -1)
    fxr=$(ls -d "$dotnet_root"/host/fxr/* | sort -V | tail -1)
    packages_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
    pwsh_version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$repo_root/.config/dotnet-tools.json" | head -1)
    pwsh_folder=$(ls -d "$packages_root/powershell/$pwsh_version/tools/"*/any/unix | tail -1)
    pester_folder="$packages_root/pester/$pester/tools"
    [ -d "$pwsh_folder" ] || { echo "build-base-images.sh: PowerShell $pwsh_version is not restored (dotnet tool restore)" >&2; exit 3; }
    [ -d "$pester_folder" ] || dotnet restore "$repo_root/tests/tools/TestTools.csproj" --nologo -v q >/dev/null
    [ -d "$pester_folder" ] || { echo "build-base-images.sh: Pester $pester is not restored in $packages_root" >&2; exit 3; }
    # A fixed folder, since its name is part of the cache key.
    shim=/tmp/e2eps-powershell-shim
    rm -rf "$shim" && mkdir -p "$shim"
    printf '#!/bin/sh\nexec /usr/share/dotnet/dotnet /opt/microsoft/powershell/7/pwsh.dll "$@"\n' >"$shim/pwsh"
    chmod 755 "$shim/pwsh"
    mkdir -p "$shim/dotnet"
    cp "$dotnet_root/dotnet" "$shim/dotnet/"
    build_image powershell "ca-certificates,libicu72,libssl3,tzdata,passwd" \
        "$shim/dotnet:/usr/share/dotnet $fxr:/usr/share/dotnet/host/fxr/$(basename "$fxr") $runtime:/usr/share/dotnet/shared/Microsoft.NETCore.App/$(basename "$runtime") $pwsh_folder:/opt/microsoft/powershell/7 $pester_folder:/usr/local/share/powershell/Modules/Pester/$pester $shim/pwsh:/usr/bin/pwsh" \
        --cmd '["pwsh"]' --env PATH=$path --env LANG=C.UTF-8 --env DOTNET_ROOT=/usr/share/dotnet \
        --env POWERSHELL_TELEMETRY_OPTOUT=1 --env DOTNET_CLI_TELEMETRY_OPTOUT=1
    rm -rf "$shim"
fi

# The .NET SDK is no Debian package either (Microsoft's apt repository is not reachable). The stand-in
# for mcr.microsoft.com/dotnet/sdk is this machine's SDK copied into Debian. It is the SDK of this
# machine (.NET 10), not 8.0: a test project must target a framework it has.
if [ -n "$dotnet_sdk" ]; then
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    shim=/tmp/e2eps-dotnet-shim
    rm -rf "$shim" && mkdir -p "$shim"
    printf '#!/bin/sh\nexec /usr/share/dotnet/dotnet "$@"\n' >"$shim/dotnet"
    chmod 755 "$shim/dotnet"
    # This machine reaches NuGet through a TLS-intercepting proxy whose certificate authority only the
    # host's bundle holds: without it `dotnet restore` in the container fails with NU1301 UntrustedRoot.
    # The stand-in gets the host's bundle, as a corporate base image gets the corporate CA; and NuGet's
    # signature check reads no revocation list it cannot reach (NUGET_CERT_REVOCATION_MODE, as on the host).
    ca_bundle=/etc/ssl/certs/ca-certificates.crt
    build_image dotnet "ca-certificates,libicu72,libssl3,tzdata,passwd" \
        "$dotnet_root:/usr/share/dotnet $shim/dotnet:/usr/bin/dotnet $ca_bundle:$ca_bundle" \
        --cmd '["dotnet"]' --env PATH=$path --env LANG=C.UTF-8 --env DOTNET_ROOT=/usr/share/dotnet \
        --env DOTNET_CLI_TELEMETRY_OPTOUT=1 --env DOTNET_NOLOGO=1 --env DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
        --env NUGET_CERT_REVOCATION_MODE=offline
    rm -rf "$shim"
fi

if [ -n "$registry" ]; then
    # The archives hold uncompressed layers (what buildah commits); compressing them for every push
    # took most of a warm run, so each is turned once into an OCI layout with gzip layers beside it,
    # whose blobs go to the registry as they are.
    compressed() { # image
        local layout="${archives[$1]%.tar}.oci"
        if [ ! -f "$layout/index.json" ]; then
            rm -rf "$layout.partial"
            skopeo copy --quiet --dest-compress "oci-archive:${archives[$1]}" "oci:$layout.partial" >&2
            mv "$layout.partial" "$layout"
        fi
        echo "$layout"
    }
    push() { # image repository:tag [registry it stands in for]
        skopeo copy --quiet --dest-tls-verify=false "oci:$(compressed "$1")" "docker://$registry/$2"
        echo "Pushed $registry/$2 (for ${3:-docker.io}/${2#mcr/})"
    }
    push git alpine/git:v2.47.2
    push python library/python:3.13-slim
    [ -z "$pester" ] || push powershell mcr/powershell:7.4-debian-12 mcr.microsoft.com
    [ -z "$dotnet_sdk" ] || push dotnet mcr/dotnet/sdk:8.0 mcr.microsoft.com
fi

if [ -n "$registries_conf" ]; then
    # What a user behind a mirror writes (containers-registries.conf(5)): docker.io and
    # mcr.microsoft.com are looked up on the mirror first. Point CONTAINERS_REGISTRIES_CONF at this file.
    cat >"$registries_conf" <<EOF
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "$registry"
insecure = true

[[registry]]
prefix = "mcr.microsoft.com"
location = "mcr.microsoft.com"

[[registry.mirror]]
location = "$registry/mcr"
insecure = true
EOF
    echo "Wrote $registries_conf (docker.io and mcr.microsoft.com mirrored by $registry)"
fi
