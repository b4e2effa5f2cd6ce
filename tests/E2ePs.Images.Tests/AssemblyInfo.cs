// The image tests drive podman, buildah and docker-registry, which run on Linux.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
