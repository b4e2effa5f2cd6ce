namespace E2ePs.KubeEmulator.Discovery;

/// <summary>One served resource: where it lives in the URL space and how it is named in messages.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Verbs,
    string[] Subresources)
{
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public string GroupVersionKey => Group + "/" + Version;

    /// <summary>Storage key: the same plural in two groups (events) is stored once under the core group.</summary>
    public string StorageKey => Plural == "events" ? "/events" : Group + "/" + Plural;

    /// <summary>"jobs.batch" or "pods": how the API server names the resource in Status messages.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : Plural + "." + Group;

    public string ListKind => Kind + "List";
}
