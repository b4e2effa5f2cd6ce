namespace E2ePs.KubeEmulator.Discovery;

/// <summary>The resources this emulator serves, grouped as the real API server groups them.</summary>
internal static class ResourceCatalog
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] NoShort = [];

    public static readonly IReadOnlyList<ResourceType> All =
    [
        new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], ["create", "delete", "get", "list", "patch", "update", "watch"], ["status"]),
        new("", "v1", "nodes", "node", "Node", false, ["no"], AllVerbs, ["status"]),
        new("", "v1", "pods", "pod", "Pod", true, ["po"], AllVerbs, ["eviction", "log", "status"]),
        new("", "v1", "events", "event", "Event", true, ["ev"], AllVerbs, []),
        new("", "v1", "services", "service", "Service", true, ["svc"], ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["status"]),
        new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], AllVerbs, []),
        new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], AllVerbs, []),
        new("", "v1", "secrets", "secret", "Secret", true, NoShort, AllVerbs, []),
        new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], AllVerbs, []),
        new("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, ["quota"], AllVerbs, ["status"]),
        new("batch", "v1", "jobs", "job", "Job", true, NoShort, AllVerbs, ["status"]),
        new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, NoShort, AllVerbs, []),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, NoShort, AllVerbs, []),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, NoShort, AllVerbs, []),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, NoShort, AllVerbs, []),
        new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, NoShort, AllVerbs, []),
        new("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false, NoShort, ["create"], []),
        new("events.k8s.io", "v1", "events", "event", "Event", true, ["ev"], AllVerbs, []),
    ];

    /// <summary>Group versions in the order /api and /apis list them.</summary>
    public static readonly IReadOnlyList<(string Group, string Version)> GroupVersions =
        All.Select(r => (r.Group, r.Version)).Distinct().ToList();

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public static ResourceType Get(string group, string plural) =>
        All.First(r => r.Group == group && r.Plural == plural);

    public static ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind);

    public static IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        All.Where(r => r.Group == group && r.Version == version);

    public static readonly ResourceType Pods = Get("", "pods");
    public static readonly ResourceType Jobs = Get("batch", "jobs");
    public static readonly ResourceType Events = Get("", "events");
    public static readonly ResourceType Namespaces = Get("", "namespaces");
    public static readonly ResourceType Nodes = Get("", "nodes");
    public static readonly ResourceType Services = Get("", "services");
    public static readonly ResourceType ServiceAccounts = Get("", "serviceaccounts");
    public static readonly ResourceType ResourceQuotas = Get("", "resourcequotas");
}
