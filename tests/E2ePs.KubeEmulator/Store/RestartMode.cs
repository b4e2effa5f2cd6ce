namespace E2ePs.KubeEmulator;

/// <summary>What happens to the cluster's state when its API server comes back (docs/emulator.md, "Restarts").</summary>
public enum RestartMode
{
    /// <summary>
    /// An API server restart: etcd keeps every object and the resourceVersion counter, but the new watch cache
    /// starts from a list at the current resourceVersion, so a watch from any older one gets 410 Expired.
    /// </summary>
    LoseHistory,

    /// <summary>
    /// An etcd restore from the last snapshot (<c>etcdutl snapshot restore</c> without <c>--bump-revision</c>):
    /// the objects are as they were then, objects made since are gone, and the resourceVersion counter goes back,
    /// so clients hold resourceVersions the server has not reached ("Too large resource version").
    /// </summary>
    Rewind,
}
