// The in-pod tests drive buildah, git and docker-registry, which run on Linux.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

// Containers on vfs storage are heavy: one at a time (every class is in one collection anyway).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
