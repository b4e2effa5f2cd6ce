namespace E2ePs.KubeEmulator.Store;

/// <summary>One change to the store: ADDED, MODIFIED or DELETED, with the object before it (for selector transitions).</summary>
internal sealed record StoreEvent(string Type, StoredObject Object, StoredObject? Previous)
{
    public long ResourceVersion => Object.ResourceVersion;
}
